"""fairdesk: a customer-first service desk for small and medium businesses."""

__version__ = "0.1.0"
