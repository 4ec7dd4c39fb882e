"""Checking a vmsdq webhook on the receiving side: signature, timestamp, replay.

vmsdq signs every webhook body with the subscription's secret and puts
``X-Vmsdq-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`` on the
request. :func:`verify_signature` recomputes the digest over the raw body (before any JSON
parsing), compares it in constant time, and refuses a timestamp more than ``tolerance``
seconds away from now, so a recorded request cannot be replayed later. Keep the
``X-Vmsdq-Delivery`` ids you have processed to drop a redelivery you already handled.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Vmsdq-Signature"
TOLERANCE = 300  # seconds


class SignatureError(ValueError):
    """The request is not a genuine, fresh vmsdq webhook (the message says why)."""


def verify_signature(
    secret: str,
    body: bytes,
    header: str | None,
    *,
    tolerance: float = TOLERANCE,
    now: float | None = None,
) -> int:
    """Check ``header`` (the value of ``X-Vmsdq-Signature``) against ``body``; returns the
    signed timestamp. Raises :class:`SignatureError` when the signature is missing, wrong or
    too old (or too far in the future)."""
    if not header:
        raise SignatureError(f"missing {HEADER} header")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        raise SignatureError(f"{HEADER} has no timestamp t=...") from None
    signatures = [v for k, v in (p.split("=", 1) for p in header.split(",") if "=" in p)
                  if k == "v1"]  # fmt: skip
    if not signatures:
        raise SignatureError(f"{HEADER} has no v1=... signature")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    digest = expected.hexdigest()
    if not any(hmac.compare_digest(digest, s) for s in signatures):
        raise SignatureError("signature does not match the body (wrong secret or altered body)")
    age = (time.time() if now is None else now) - timestamp
    if abs(age) > tolerance:
        raise SignatureError(
            f"timestamp is {age:.0f} s away from now (more than {tolerance:g} s): refusing a "
            "replayed or delayed request"
        )
    return timestamp
