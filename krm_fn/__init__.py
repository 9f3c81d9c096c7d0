"""secret-sync: a KRM function that turns placeholder Secrets and legacy KES objects into ESO resources."""

__version__ = "0.1.0"
