"""The vmsdq Python SDK: a typed client of the REST API (see docs/sdk.md).

It talks HTTP only and imports nothing of the server, so it can be installed and used
anywhere; :func:`verify_signature` checks webhooks on the receiving side.
"""

from __future__ import annotations

from vmsdq.client.signatures import SignatureError, verify_signature

__all__ = ["SignatureError", "verify_signature"]
