"""`python -m scraper` is the `vngov` command."""
import sys

from .cli import main

if __name__ == "__main__":  # parse workers are spawned processes that import this module too
    sys.exit(main())
