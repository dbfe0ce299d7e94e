"""`python -m scraper` is the `vngov` command."""
import sys

from .cli import main

sys.exit(main())
