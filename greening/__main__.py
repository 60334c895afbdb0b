import sys

from greening.cli import main

# Guarded: the dask engine's local workers are spawned processes that import this module again.
if __name__ == "__main__":
    sys.exit(main())
