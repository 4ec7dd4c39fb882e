"""vmsdq: data validation and quality monitoring for CRM-synced data."""

__version__ = "0.1.0"
