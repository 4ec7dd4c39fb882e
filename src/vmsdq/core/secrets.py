"""Secrets out of every text a user, a log or the store sees, in every form a server echoes.

A password travels URL-encoded (form bodies, database URLs), XML-escaped (the SOAP login),
JSON-escaped (an OAuth error that echoes the request), base64 (HTTP Basic) and concatenated
with a security token; :func:`redact` replaces each of those forms.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from html import escape
from urllib.parse import quote, quote_plus

MIN_LENGTH = 4  # shorter values would blank out ordinary words
_XML = {"'": ("&apos;", "&#39;", "&#x27;"), '"': ("&quot;", "&#34;", "&#x22;")}


def forms(secret: str) -> set[str]:
    """The spellings of ``secret`` on the wire and in echoes of it, escaped once or twice
    (an XML body echoed inside an XML fault, a form echoed in JSON)."""
    once = _spellings(secret)
    return {g for f in once for g in _spellings(f)} | once


def _spellings(secret: str) -> set[str]:
    found = {secret, quote(secret, safe=""), quote_plus(secret), quote(secret)}
    found |= {f.lower() for f in list(found) if "%" in f}  # %2f as well as %2F
    found |= {escape(secret, quote=False), escape(secret, quote=True)}
    xml = escape(secret, quote=False)
    for char, spellings in _XML.items():
        found |= {xml.replace(char, s) for s in spellings}
    for ascii_only in (True, False):
        encoded = json.dumps(secret, ensure_ascii=ascii_only)[1:-1]
        found |= {encoded, encoded.replace("/", "\\/")}
    raw = secret.encode()
    found |= {base64.b64encode(raw).decode().rstrip("="), base64.urlsafe_b64encode(raw).decode()}
    return {f for f in found if len(f) >= MIN_LENGTH}


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every form of every secret (4+ characters) replaced by ``***``."""
    every: set[str] = set()
    for secret in secrets:
        if secret and len(secret) >= MIN_LENGTH:
            every |= forms(secret)
    for form in sorted(every, key=len, reverse=True):
        text = text.replace(form, "***")
    return text
