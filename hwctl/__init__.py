"""hwctl: review, decide and fulfil hardware orders for a hosted telephony service."""

__version__ = "0.1.0"
