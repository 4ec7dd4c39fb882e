"""Login endpoints of the fake Salesforce org: SOAP ``login()`` and the OAuth token endpoint.

SOAP ``login()`` is refused from API 65.0 on and when ``soap_login`` is off (new orgs); the
token endpoint speaks the JWT bearer flow (audiences as configured) and client credentials
(HTTP Basic or form fields). Error bodies are shaped as Salesforce's.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from vmsdq.demo.salesforce.fake_server import FakeSalesforce

_PARTNER = "urn:partner.soap.sforce.com"
_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns="urn:partner.soap.sforce.com" '
    'xmlns:sf="urn:fault.partner.soap.sforce.com" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<soapenv:Body>{}</soapenv:Body></soapenv:Envelope>"
)
SOAP_LAST_VERSION = 64.0


def soap_login(org: FakeSalesforce, body: bytes, path: str) -> tuple[int, str]:
    """Answer a partner-API ``login`` call: password + security token, concatenated."""
    from xml.etree import ElementTree

    version = path.rstrip("/").rsplit("/", 1)[-1]
    if float(version) > SOAP_LAST_VERSION:
        return 500, _fault("UNSUPPORTED_API_VERSION", f"login() is not available in API {version}")
    if not org.credentials.soap_login:
        return 500, _fault("INVALID_OPERATION", "SOAP API login() is disabled in this org.")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return 500, _fault("INVALID_LOGIN", "The login request is not valid XML.")
    username = root.findtext(f".//{{{_PARTNER}}}username") or ""
    password = root.findtext(f".//{{{_PARTNER}}}password") or ""
    creds = org.credentials
    if username != creds.username or password not in (
        creds.password + creds.security_token,
        creds.password,  # from a trusted IP range no token is needed
    ):
        return 500, _fault(
            "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
        )
    with org.lock:
        org.state.logins += 1
    sid = org.issue_session()
    server = f"{org.url}/services/Soap/u/{org.api_version}/{org.ORG_ID}"
    result = (
        "<loginResponse><result>"
        f"<metadataServerUrl>{org.url}/services/Soap/m/{org.api_version}/{org.ORG_ID}"
        "</metadataServerUrl><passwordExpired>false</passwordExpired>"
        f"<sandbox>false</sandbox><serverUrl>{server}</serverUrl>"
        f"<sessionId>{escape(sid)}</sessionId><userId>{org.USER_ID}</userId>"
        f"<userInfo><organizationId>{org.ORG_ID}</organizationId>"
        f"<userName>{escape(username)}</userName></userInfo>"
        "</result></loginResponse>"
    )
    return 200, _ENVELOPE.format(result)


def _fault(code: str, message: str) -> str:
    fault = (
        f"<soapenv:Fault><faultcode>sf:{code}</faultcode>"
        f"<faultstring>{code}: {escape(message)}</faultstring><detail>"
        '<sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:LoginFault></detail></soapenv:Fault>"
    )
    return _ENVELOPE.format(fault)


def token_login(org: FakeSalesforce, body: bytes, authorization: str) -> tuple[int, dict[str, Any]]:
    """Answer ``/services/oauth2/token`` for the JWT bearer and client credentials grants."""
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    grant = form.get("grant_type")
    if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
        return _jwt(org, form)
    if grant == "client_credentials":
        return _client_credentials(org, form, authorization)
    return 400, _oauth_error("unsupported_grant_type", "grant type not supported")


def _jwt(org: FakeSalesforce, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    import jwt

    creds = org.credentials
    if creds.public_key_pem is None:
        return 400, _oauth_error("invalid_client_id", "client identifier invalid")
    try:
        claims = jwt.decode(
            form.get("assertion", ""),
            creds.public_key_pem,
            algorithms=["RS256"],
            issuer=creds.consumer_key,
            options={"require": ["exp", "iss", "sub", "aud"], "verify_aud": False},
        )
    except jwt.PyJWTError:
        return 400, _oauth_error("invalid_grant", "invalid assertion")
    if claims.get("aud") not in creds.jwt_audiences:
        return 400, _oauth_error("invalid_grant", "audience is invalid")
    if claims.get("sub") != creds.username:
        return 400, _oauth_error("invalid_grant", "user hasn't approved this consumer")
    return 200, _token(org)


def _client_credentials(
    org: FakeSalesforce, form: dict[str, str], authorization: str
) -> tuple[int, dict[str, Any]]:
    key, secret = form.get("client_id"), form.get("client_secret")
    if authorization.startswith("Basic "):
        try:
            key, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return 400, _oauth_error("invalid_client", "invalid client credentials")
    creds = org.credentials
    if key != creds.consumer_key:
        return 400, _oauth_error("invalid_client_id", "client identifier invalid")
    if secret != creds.consumer_secret:
        return 400, _oauth_error("invalid_client", "invalid client credentials")
    return 200, _token(org)


def _token(org: FakeSalesforce) -> dict[str, Any]:
    with org.lock:
        org.state.logins += 1
    return {
        "access_token": org.issue_session(),
        "signature": "fakeSignature0000000000000000000000000000000=",
        "scope": "api",
        "instance_url": org.url,
        "id": f"https://login.salesforce.com/id/{org.ORG_ID}/{org.USER_ID}",
        "token_type": "Bearer",
        "issued_at": "1767225600000",
    }


def _oauth_error(code: str, description: str) -> dict[str, Any]:
    return {"error": code, "error_description": description}
