"""The vmsdq Python SDK: a typed client of the REST API (see docs/sdk.md).

It talks HTTP only and imports nothing of the server, so it can be used anywhere;
:func:`verify_signature` checks webhooks on the receiving side.
"""

from __future__ import annotations

from vmsdq.client.client import Client
from vmsdq.client.errors import (
    ApiError,
    BadRequestError,
    ClientError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    TransportError,
    UnavailableError,
)
from vmsdq.client.signatures import SignatureError, verify_signature

__all__ = [
    "ApiError",
    "BadRequestError",
    "Client",
    "ClientError",
    "ConflictError",
    "ForbiddenError",
    "NotFoundError",
    "SignatureError",
    "TransportError",
    "UnavailableError",
    "verify_signature",
]
