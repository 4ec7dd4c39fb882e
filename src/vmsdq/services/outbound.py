"""Outgoing HTTP (webhooks, Slack, Teams) only to the hosts the admin allows.

Every request, and every redirect it is sent, is checked before a connection is made: the
scheme is http or https, the host is in ``webhooks.allowed_hosts``, and every address the
host resolves to is public, unless it lies in ``webhooks.allowed_networks``. The connection
then goes to the address that was checked (no second lookup an attacker could answer
differently), with the host name kept for the ``Host`` header and TLS.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from vmsdq.core.errors import TerminalError, TransientError
from vmsdq.spec.alerts import WebhooksSpec

if TYPE_CHECKING:  # imported when a request is sent: a run without webhooks skips it (#9)
    import urllib3

REDIRECTS = (301, 302, 303, 307, 308)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefusedError(TerminalError):
    """A URL the admin has not allowed (host not listed, private address, bad scheme)."""


class OutboundUnreachableError(TransientError):
    """The endpoint could not be reached (DNS, connection, timeout): try again later."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: str  # the first KiB, for the delivery log
    url: str  # where the request finally went
    seconds: float


@dataclass(frozen=True)
class OutboundPolicy:
    allowed_hosts: tuple[str, ...]
    allowed_networks: tuple[Network, ...]
    timeout: float = 10.0
    max_redirects: int = 3

    @classmethod
    def of(cls, spec: WebhooksSpec) -> OutboundPolicy:
        networks = []
        for text in spec.allowed_networks:
            try:
                networks.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                raise OutboundRefusedError(
                    f"webhooks.allowed_networks: '{text}' is not a network such as 10.0.0.0/8"
                ) from None
        hosts = tuple(h.lower().rstrip(".") for h in spec.allowed_hosts)
        return cls(hosts, tuple(networks), spec.timeout, spec.max_redirects)

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        for allowed in self.allowed_hosts:
            if allowed.startswith("*.") and host.endswith(allowed[1:]):
                return True
            if host == allowed:
                return True
        return False

    def address_allowed(self, address: Address) -> bool:
        if any(address in n for n in self.allowed_networks):
            return True
        return address.is_global and not address.is_multicast

    def check(self, url: str) -> tuple[str, str, int, str]:
        """(scheme, host, port, address to connect to) of an allowed URL; refused otherwise."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise OutboundRefusedError(f"'{_safe(url)}': only http and https URLs are allowed")
        host = parts.hostname or ""
        if not host:
            raise OutboundRefusedError(f"'{_safe(url)}' has no host")
        if parts.username or parts.password:
            raise OutboundRefusedError(f"'{_safe(url)}': credentials in the URL are not allowed")
        if not self.host_allowed(host):
            raise OutboundRefusedError(
                f"host '{host}' is not in webhooks.allowed_hosts "
                f"({', '.join(self.allowed_hosts) or 'none allowed'})"
            )
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise OutboundRefusedError(f"'{_safe(url)}' has an invalid port") from None
        addresses = _resolve(host, port)
        refused = [a for a in addresses if not self.address_allowed(a)]
        if refused:
            raise OutboundRefusedError(
                f"host '{host}' resolves to {refused[0]}, a private, loopback or reserved "
                "address not in webhooks.allowed_networks"
            )
        return parts.scheme, host, port, str(addresses[0])

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Reply:
        """POST ``body`` to ``url``, following at most ``max_redirects`` allowed redirects."""
        started = time.perf_counter()
        for _ in range(self.max_redirects + 1):
            status, location, text = self._send(url, body, headers)
            if status not in REDIRECTS or not location:
                return Reply(status, text, url, time.perf_counter() - started)
            url = urljoin(url, location)
        raise OutboundRefusedError(
            f"more than {self.max_redirects} redirects (webhooks.max_redirects); last to "
            f"'{_safe(url)}'"
        )

    def _send(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, str]:
        scheme, host, port, address = self.check(url)
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default = 443 if scheme == "https" else 80
        host_header = (f"[{host}]" if ":" in host else host) + (
            "" if port == default else f":{port}"
        )
        import urllib3

        timeout = urllib3.Timeout(connect=self.timeout, read=self.timeout)
        pool: urllib3.HTTPConnectionPool
        if scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address,
                port,
                timeout=timeout,
                retries=False,
                server_hostname=host,
                assert_hostname=host,
                cert_reqs="CERT_REQUIRED",
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
        try:
            reply = pool.urlopen(
                "POST",
                target,
                body=body,
                headers={**headers, "Host": host_header},
                redirect=False,
                preload_content=True,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise OutboundUnreachableError(f"{host}: {type(exc).__name__}: {exc}") from None
        finally:
            pool.close()
        text = reply.data[:1024].decode("utf-8", "replace")
        return reply.status, reply.headers.get("Location", ""), text


def _resolve(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OutboundUnreachableError(f"host '{host}' cannot be resolved: {exc}") from None
    found: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in found:
            found.append(address)
    if not found:
        raise OutboundUnreachableError(f"host '{host}' has no address")
    return found


def _safe(url: str) -> str:
    """A URL for messages: scheme, host and the first path segment, never the rest or the
    query (Slack and Teams URLs carry their token there)."""
    parts = urlsplit(url)
    if not parts.scheme:
        return "(not a URL)"
    first, _, rest = parts.path.lstrip("/").partition("/")
    path = f"/{first}" + ("/..." if rest or parts.query else "")
    return f"{parts.scheme}://{parts.hostname or ''}{path if first else ''}"


safe_url = _safe
