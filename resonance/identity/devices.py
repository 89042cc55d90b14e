"""What can be said of a browser and its network without asking anyone: a readable device (browser and system from
the user agent), the network it came from (an IPv4 /24 or IPv6 /48) and an approximate place for people to read."""

from __future__ import annotations

import ipaddress

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari", Android also says "Linux".
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
             ("CriOS/", "Chrome"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iOS"), ("iPad", "iPadOS"), ("Android", "Android"), ("CrOS", "ChromeOS"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"))

PRIVATE = "a private network"
# Private ranges proper (RFC 1918, shared address space, unique local): `ipaddress`'s is_private also takes in the
# documentation ranges, which stand for public addresses.
_PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                             "100.64.0.0/10", "fc00::/7"))
UNKNOWN = "an unknown network"


def device(user_agent: str) -> str:
    """A short readable form of a user agent: `Chrome on Linux`, `Safari on iOS`, `Unknown device`."""
    agent = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"


def _address(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def network(ip: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) an address belongs to, as text; "" for no address."""
    address = _address(ip)
    if address is None:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def place(ip: str) -> str:
    """Where a sign-in came from, as far as the address alone tells: `203.0.113.x`, `2001:db8:1::/48`,
    "a private network" (private, loopback, link-local) or "an unknown network"."""
    address = _address(ip)
    if address is None:
        return UNKNOWN
    if address.is_loopback or address.is_link_local or any(address in n for n in _PRIVATE_NETWORKS):
        return PRIVATE
    if address.version == 4:
        return ".".join(str(address).split(".")[:3]) + ".x"
    return network(ip)
