"""gradviz: see the vanishing gradient."""

__version__ = "0.1.0"
