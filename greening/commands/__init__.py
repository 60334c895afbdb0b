"""Sub-commands of ``python -m greening``: each module here defines ``register(subparsers)``."""
