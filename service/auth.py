"""Who is calling: API keys checked in constant time, the page session of the bundled pages,
and the client address (``X-Forwarded-For`` believed only from ``VNPOLICY_TRUSTED_PROXIES``).

Used by the scope check (``api/deps.py``), the rate limit (``limits.py``) and the pages
(``api/routes/pages.py``); nothing here imports FastAPI.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from functools import lru_cache
from urllib.parse import parse_qs

PAGE_COOKIE = "vnpolicy_page"
_PAGE_CONTEXT = b"vnpolicy-page-session:"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


# -- API keys ---------------------------------------------------------------------------------
def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


def match_key(presented: str | None, keys: dict[str, str]) -> str | None:
    """The scope of ``presented`` among ``keys`` (key → scope), or None. Every configured key is
    compared with ``hmac.compare_digest`` over SHA-256 digests (equal lengths), with no early exit,
    so the time taken does not tell which key, or how much of one, matched."""
    if not presented:
        return None
    wanted, found = _digest(presented), None
    for key, scope in keys.items():
        if hmac.compare_digest(_digest(key), wanted) and found is None:
            found = scope
    return found


def presented_key(headers: dict[bytes, bytes], query_string: bytes) -> str | None:
    """The key a request sends: header ``X-API-Key``, else query parameter ``api_key``."""
    header = headers.get(b"x-api-key")
    if header:
        return header.decode("latin-1")
    values = parse_qs(query_string.decode("latin-1")).get("api_key")
    return values[0] if values else None


# -- page session -----------------------------------------------------------------------------
def page_key(settings) -> str | None:
    """``VNPOLICY_PAGE_KEY`` when it names a configured *search* key, else None (no page session)."""
    key = getattr(settings, "page_key", None)
    if not key:
        return None
    return key if match_key(key, settings.api_key_scopes()) == "search" else None


def issue_page_token(key: str, lifetime_s: float, now: float | None = None) -> str:
    """``<expiry>.<HMAC-SHA256(page key, expiry)>``: the key itself never reaches the browser,
    and removing or rotating it in ``VNPOLICY_API_KEYS`` ends every session."""
    expires = int((now if now is not None else time.time()) + lifetime_s)
    return f"{expires}.{_sign(key, expires)}"


def valid_page_token(token: str | None, key: str, now: float | None = None) -> bool:
    expires, _, signature = (token or "").partition(".")
    if not expires.isdigit() or int(expires) < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(_sign(key, int(expires)).encode(), signature.encode("utf-8", "replace"))


def _sign(key: str, expires: int) -> str:
    return hmac.new(key.encode(), _PAGE_CONTEXT + str(expires).encode(), hashlib.sha256).hexdigest()


def same_origin_fetch(headers) -> bool:
    """False when the browser says the request comes from another origin (``Sec-Fetch-Site``
    cross-site or same-site); clients that send no such header (curl) are not browsers."""
    return headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


# -- client address ---------------------------------------------------------------------------
@lru_cache(maxsize=16)
def parse_networks(spec: str) -> tuple[Network, ...]:
    """``VNPOLICY_TRUSTED_PROXIES``: comma-separated IPs or CIDRs (``10.0.0.0/8, ::1``)."""
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec.split(",") if item.strip())


def parse_ip(value: str) -> IPAddress | None:
    """An address as a forwarded header or peer gives it (``[::1]:80`` and ``1.2.3.4:80`` too)."""
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:
        value = value[1:value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(ip: IPAddress | None, networks: tuple[Network, ...]) -> bool:
    return ip is not None and any(ip in net for net in networks)


def client_address(peer: str, forwarded_for: list[str], networks: tuple[Network, ...]) -> str:
    """The client: the peer itself, unless the peer is a trusted proxy; then the nearest hop of
    ``X-Forwarded-For`` (read right to left) that is not a trusted proxy. A hop that is no address
    stops the walk at the last hop a trusted proxy vouched for."""
    current = parse_ip(peer)
    if not _trusted(current, networks):
        return peer
    hops = [h for value in forwarded_for for h in value.split(",") if h.strip()]
    for hop in reversed(hops):
        ip = parse_ip(hop)
        if ip is None:
            break
        current = ip
        if not _trusted(ip, networks):
            break
    return str(current)


def resolve_client(scope: dict, trusted_proxies: str) -> str:
    """The client address of an ASGI request, written back to ``scope["client"]`` (so access logs
    and handlers see it) and remembered; the connection's own peer is kept in ``vnpolicy.peer``."""
    if "vnpolicy.peer" in scope:
        return scope["client"][0] if scope.get("client") else "unknown"
    peer = scope["client"][0] if scope.get("client") else "unknown"
    scope["vnpolicy.peer"] = peer
    forwarded = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-forwarded-for"]
    host = client_address(peer, forwarded, parse_networks(trusted_proxies)) if forwarded else peer
    if host != peer:
        scope["client"] = (host, 0)
    return host


def rate_key_of_address(host: str) -> str:
    """Bucket of an address: IPv6 clients by their /64 (one subscriber holds a whole /64)."""
    ip = parse_ip(host)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return f"net:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"ip:{ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else ip or host}"
