"""The webhook transport: where a webhook may point, and POSTing to it.

The application's webhook use cases (`hwctl.app.webhooks`) take a transport (the `Transport`
protocol there) and never touch the network themselves; `Network` here is the real one, which
`hwctl.app.webhooks.network()` hands to a door.

- `check_url`, the guard against requests to where a webhook must not point (SSRF): HTTPS
  only, to a host whose every address is public; a name is resolved (`resolve`, the system's
  resolver) and each address it has is checked.
- `post`: outside any transaction, to an address checked again at that moment (a name is
  resolved again and the connection goes to the address that was checked: no DNS
  rebinding), no proxy, no redirect followed, TLS verified against the name.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hwctl.errors import InvalidInput

MAX_URL = 2000
ERROR_CHARS = 300  # a reason: one line, at most this long

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Network:
    """The real transport (`hwctl.app.webhooks.Transport`): the system's resolver, TCP, TLS."""

    def check_url(self, url: str, *, insecure: bool) -> str:
        """The URL as it is stored, or InvalidInput saying why it may not be one."""
        return check_url(url, insecure=insecure).url

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, timeout: float
    ) -> str | None:
        """None when the receiver took it (2xx), else why not, in one line."""
        return post(url, body, headers, timeout=timeout)


# -- where a webhook may point ----------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """A URL that may be sent to, and the addresses its host had when it was checked."""

    url: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses `host` resolves to (socket.getaddrinfo), each once."""
    found: list[IPAddress] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(sockaddr[0])
        if address not in found:
            found.append(address)
    return found


def _embedded_v4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _not_global(address: IPAddress) -> str | None:
    """Why `address` is not a public one (`private`, `link-local`, ...), or None if it is. An
    IPv4-mapped address is its IPv4 address; a 6to4 or NAT64 one is checked with the IPv4
    address it leads to."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates: list[IPAddress] = [address.ipv4_mapped]
    else:
        v4 = _embedded_v4(address)
        candidates = [address] if v4 is None else [address, v4]
    for a in candidates:
        if a.is_unspecified:
            return "unspecified"
        if a.is_loopback:
            return "loopback"
        if a.is_link_local:
            return "link-local"
        if a.is_multicast:
            return "multicast"
        if a.is_private:
            return "private"
        if a.is_reserved:
            return "reserved"
        if not a.is_global:
            return "non-public"
    return None


def _is_loopback(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _refuse(url: str, problem: str, **fields: object) -> InvalidInput:
    return InvalidInput(f"webhook URL {url!r}: {problem}", field="url", url=url, **fields)


def check_url(url: str, *, insecure: bool = False) -> Target:
    """The target of a webhook URL, or InvalidInput saying why it may not be one.

    HTTPS only, to a host whose every address is public: a literal address is checked as it
    is, a name is resolved and each address it has is checked. `insecure` allows a loopback
    host (127.0.0.0/8, ::1, `localhost`), over plain HTTP too, for local testing; a name other
    than `localhost` must not resolve to a loopback address even then (that is what a DNS
    rebinding attack does). Private, link-local, multicast, unspecified and reserved
    addresses are refused always."""
    url = url.strip()
    if not url:
        raise InvalidInput("a webhook needs a URL", field="url")
    if len(url) > MAX_URL:
        raise _refuse(url[:60] + "…", f"longer than {MAX_URL} characters", limit=MAX_URL)
    if not url.isascii() or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise _refuse(
            url,
            "only printable ASCII without spaces (write an international name in its xn-- form "
            "and percent-encode the path)",
        )
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise _refuse(url, "must be an https:// URL", reason="scheme")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise _refuse(url, "has no host", reason="host")
    if parts.username is not None or parts.password is not None:
        shown = parts._replace(netloc="…@" + parts.netloc.rpartition("@")[2]).geturl()
        raise _refuse(shown, "must not carry a user name or password", reason="credentials")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise _refuse(url, "has an invalid port", reason="port") from None
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        loopback_host = _is_loopback(literal)
    else:
        loopback_host = host == "localhost" or host.endswith(".localhost")
    if scheme == "http" and not (insecure and loopback_host):
        problem = (
            "plain http is allowed for a loopback host only"
            if insecure
            else "must be an https:// URL (plain http only for a loopback host, when insecure)"
        )
        raise _refuse(url, problem, reason="scheme")
    if loopback_host and not insecure:
        raise _refuse(
            url,
            f"{host} is a loopback host, allowed for local testing only (insecure)",
            reason="loopback",
        )
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError, ValueError) as e:
            raise _refuse(url, f"cannot resolve {host} ({_one_line(e)})", reason="resolve") from e
        if not addresses:
            raise _refuse(url, f"{host} has no address", reason="resolve")
    for address in addresses:
        if loopback_host:
            if not _is_loopback(address):
                raise _refuse(
                    url,
                    f"{host} resolves to {address}, not a loopback address",
                    reason="address",
                    address=str(address),
                )
            continue
        why = _not_global(address)
        if why is not None:
            shown = f"{host} is" if literal is not None else f"{host} resolves to {address},"
            article = "an" if why[0] in "aeiou" else "a"
            raise _refuse(
                url, f"{shown} {article} {why} address", reason="address", address=str(address)
            )
    return Target(url, host, port, tuple(addresses))


def _one_line(error: object) -> str:
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\s]+", " ", str(error)).strip()
    return text[:ERROR_CHARS] or type(error).__name__


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer that is not 2xx: never followed (it could lead anywhere)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        return None


def _pinned(
    connection: type[http.client.HTTPConnection], addresses: Sequence[IPAddress]
) -> Callable[..., http.client.HTTPConnection]:
    """`connection` made to connect to the addresses checked (the first that answers),
    whatever the host name resolves to by then; the name still goes in `Host` and, over TLS,
    in SNI and the certificate check."""

    def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:  # noqa: ANN401
        conn = connection(host, **kwargs)

        def create_connection(addr: tuple[str, int], *args: Any) -> socket.socket:  # noqa: ANN401
            error: OSError | None = None
            for address in addresses:
                try:
                    return socket.create_connection((str(address), addr[1]), *args)
                except OSError as e:
                    error = e
            raise error or OSError("no address to connect to")

        # http.client connects through this attribute (set in HTTPConnection.__init__).
        conn._create_connection = create_connection  # type: ignore[attr-defined]
        return conn

    return make


class _PinnedHTTP(urllib.request.HTTPHandler):
    def __init__(self, addresses: Sequence[IPAddress]) -> None:
        super().__init__()
        self.addresses = addresses

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_pinned(http.client.HTTPConnection, self.addresses), req)


class _PinnedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, addresses: Sequence[IPAddress]) -> None:
        super().__init__(context=ssl.create_default_context())
        self.addresses = addresses

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(
            _pinned(http.client.HTTPSConnection, self.addresses),
            req,
            context=self._context,  # type: ignore[attr-defined]
        )


def post(url: str, body: bytes, headers: Mapping[str, str], *, timeout: float) -> str | None:
    """POST `body` to `url` (checked again first, and connected to the address checked), no
    proxy, no redirect followed: None for a 2xx answer, else why not, in one line."""
    try:
        target = check_url(url, insecure=True)  # only a loopback URL was added insecure
    except InvalidInput as e:
        return f"refused: {e.message}"
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _NoRedirects(),
        _PinnedHTTP(target.addresses),
        _PinnedHTTPS(target.addresses),
    )
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read(65536)
            status = response.status
    except urllib.error.HTTPError as e:
        e.close()
        return _one_line(f"HTTP {e.code} {e.reason}")
    except urllib.error.URLError as e:
        return _one_line(e.reason)
    except (OSError, http.client.HTTPException, ValueError) as e:
        return _one_line(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)
    if not 200 <= status < 300:
        return f"HTTP {status}"
    return None
