"""The views: one module each, listed once in ``registry``."""
