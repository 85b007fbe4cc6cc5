"""ISPcare: customer operations for internet service providers."""

__version__ = "0.1.0"
