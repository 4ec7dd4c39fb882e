"""Login endpoints of the fake Salesforce org: SOAP ``login()`` and OAuth JWT bearer."""

from __future__ import annotations

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
JWT_AUDIENCES = ["https://login.salesforce.com", "https://test.salesforce.com"]


def soap_login(org: FakeSalesforce, body: bytes) -> tuple[int, str]:
    """Answer a partner-API ``login`` call: password + security token, concatenated."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return 500, _fault("INVALID_LOGIN", "The login request is not valid XML.")
    username = root.findtext(f".//{{{_PARTNER}}}username") or ""
    password = root.findtext(f".//{{{_PARTNER}}}password") or ""
    creds = org.credentials
    if username != creds.username or password != creds.password + creds.security_token:
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


def jwt_login(org: FakeSalesforce, body: bytes, instance_url: str) -> tuple[int, dict[str, Any]]:
    """Answer the OAuth 2.0 JWT bearer flow; the assertion must verify with the public key."""
    import jwt

    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
        return 400, _oauth_error("unsupported_grant_type", "grant type not supported")
    creds = org.credentials
    if creds.public_key_pem is None:
        return 400, _oauth_error("invalid_client_id", "client identifier invalid")
    try:
        claims = jwt.decode(
            form.get("assertion", ""),
            creds.public_key_pem,
            algorithms=["RS256"],
            audience=JWT_AUDIENCES,
            issuer=creds.consumer_key,
            options={"require": ["exp", "iss", "sub", "aud"]},
        )
    except jwt.PyJWTError:
        return 400, _oauth_error("invalid_grant", "invalid assertion")
    if claims.get("sub") != creds.username:
        return 400, _oauth_error("invalid_grant", "user not found for this consumer")
    with org.lock:
        org.state.logins += 1
    return 200, {
        "access_token": org.issue_session(),
        "scope": "api",
        "instance_url": instance_url,
        "id": f"https://login.salesforce.com/id/{org.ORG_ID}/{org.USER_ID}",
        "token_type": "Bearer",
    }


def _oauth_error(code: str, description: str) -> dict[str, Any]:
    return {"error": code, "error_description": description}
