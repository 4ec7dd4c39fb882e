"""The Salesforce source (simple-salesforce: REST and Bulk API 2.0) and a local fake org."""

from vmsdq.sources.salesforce.source import SalesforceSource

__all__ = ["SalesforceSource"]
