"""Logging in, one function per ``auth:`` mode, all through simple-salesforce.

``client_credentials`` and ``jwt`` (OAuth 2.0) are the recommended modes. ``password`` is
SOAP ``login()``: disabled by default in new orgs, absent from API 65.0 on and retired for
every version in Summer '27, so it is refused at those versions and its failures say so.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

from vmsdq.sources.salesforce.errors import SalesforceAuthError, SalesforceConfigError
from vmsdq.sources.salesforce.session import PROXY_DOMAIN, SF_SUFFIX, Endpoint, endpoint_of

if TYPE_CHECKING:
    from vmsdq.sources.salesforce.credentials import Credentials
    from vmsdq.sources.salesforce.session import CountingSession
    from vmsdq.spec.models import SalesforceSourceSpec

log = logging.getLogger(__name__)
SOAP_LAST_VERSION = 64.0
SOAP_HINT = (
    " (auth 'password' uses SOAP login(), which new orgs disable by default and Salesforce "
    "retires in Summer '27; prefer auth: client_credentials or jwt, see docs/salesforce.md)"
)
NOT_APPROVED = "user hasn't approved this consumer"

Login = Callable[..., tuple[str, str]]


def check_auth(source: str, spec: SalesforceSourceSpec, endpoint: Endpoint) -> None:
    """Refuse a mode that cannot work with these settings, before any request."""
    if spec.auth == "password" and float(spec.api_version) > SOAP_LAST_VERSION:
        raise SalesforceAuthError(
            f"source '{source}': auth 'password' (SOAP login()) is not available in API "
            f"{spec.api_version}; Salesforce removed it from 65.0 on. Use auth: "
            "client_credentials or jwt (docs/salesforce.md)"
        )
    if (
        spec.auth == "client_credentials"
        and not endpoint.proxy
        and endpoint.domain in ("login", "test")
    ):
        raise SalesforceConfigError(
            f"source '{source}': auth 'client_credentials' needs your My Domain as domain "
            "(e.g. acme.my.salesforce.com); login.salesforce.com does not accept it"
        )


def login(
    source: str,
    spec: SalesforceSourceSpec,
    creds: Credentials,
    session: CountingSession,
    endpoint: Endpoint,
    sf_login: Login,
) -> tuple[str, str]:
    """``(session_id, instance)``; raises simple-salesforce's errors (the client maps them)."""
    check_auth(source, spec, endpoint)
    common = {"sf_version": spec.api_version, "session": session}
    with warnings.catch_warnings():  # its "not approved" warning quotes the consumer key
        warnings.simplefilter("ignore")
        if spec.auth == "client_credentials":
            domain = PROXY_DOMAIN if endpoint.proxy else endpoint.domain
            return sf_login(
                consumer_key=creds.consumer_key,
                consumer_secret=creds.consumer_secret,
                domain=domain,
                **common,
            )
        if spec.auth == "jwt":
            return sf_login(
                username=creds.username,
                consumer_key=creds.consumer_key,
                privatekey_file=creds.private_key_file,
                domain=audience_domain(source, spec, endpoint),
                instance_url=endpoint.domain,
                **common,
            )
        log.warning(
            "source '%s': auth 'password' (SOAP login()) is deprecated%s", source, SOAP_HINT
        )
        return sf_login(
            username=creds.username,
            password=creds.password,
            security_token=creds.security_token,
            domain=endpoint.domain,
            **common,
        )


def audience_domain(source: str, spec: SalesforceSourceSpec, endpoint: Endpoint) -> str:
    """The JWT ``aud`` as simple-salesforce's domain: ``login``, ``test`` or ``acme.my``."""
    if spec.jwt_audience is None:
        return "test" if endpoint.sandbox else "login"
    audience = endpoint_of(source, spec.jwt_audience)
    if audience.proxy:
        raise SalesforceConfigError(
            f"source '{source}': jwt_audience '{spec.jwt_audience}' must be login, test or a "
            f"My Domain URL (https://acme.my{SF_SUFFIX})"
        )
    return audience.domain


def failure_hint(spec: SalesforceSourceSpec, message: str) -> str:
    """What to add to a failed login's message so the user knows what to do."""
    if spec.auth == "password":
        return SOAP_HINT
    if NOT_APPROVED in message:
        return " (an admin must pre-authorize the app, or the user must approve it once)"
    if spec.auth == "jwt" and "audience" in message:
        return " (set jwt_audience: login, test or your My Domain URL)"
    return ""
