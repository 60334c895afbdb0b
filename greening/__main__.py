import sys

from greening.cli import main

sys.exit(main())
