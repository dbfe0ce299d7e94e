"""vngov: the Vietnamese government news archive."""

__version__ = "0.1.0"
