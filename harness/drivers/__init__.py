"""How a call is placed and watched. Every driver returns the same Outcome values."""
from .base import Driver, DestinationReader, open_driver

__all__ = ["Driver", "DestinationReader", "open_driver"]
