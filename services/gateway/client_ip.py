"""The customer's IP address, for sign-in limits and the sign-in history, behind any number of trusted proxies.

`X-Forwarded-For` is believed only when the direct peer is a trusted proxy (PORTAL_TRUSTED_PROXIES, CIDRs). The
chain is read from the right, skipping trusted hops: the first untrusted address is the client, since everything
to its left was written by the client itself. Uvicorn's own proxy-header handling is off (services/gateway/
__main__.py): it would trust 127.0.0.1, so on the local run any process could forge its address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_HOPS = 30  # a longer chain is read only this far from the right


def parse_address(text: str) -> IpAddress | None:
    """An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`; else None."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class TrustedProxies:
    networks: tuple[IpNetwork, ...] = ()

    @staticmethod
    @lru_cache(maxsize=8)
    def parse(value: str) -> TrustedProxies:
        """`10.0.0.0/8, 192.168.1.7` → the networks; ValueError naming a bad entry (settings refuse to start)."""
        networks = []
        for entry in (part.strip() for part in value.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or CIDR (e.g. 10.0.0.0/8)") from None
        return TrustedProxies(tuple(networks))

    def trusts(self, address: IpAddress) -> bool:
        return any(address.version == network.version and address in network for network in self.networks)

    def client_ip(self, peer: str, forwarded_for: Iterable[str]) -> str:
        """The client's address: the peer itself, unless it is a trusted proxy that forwarded someone."""
        current = parse_address(peer)
        if current is None or not self.trusts(current):
            return peer
        hops = [hop for header in forwarded_for for hop in header.split(",")][-MAX_HOPS:]
        for hop in reversed(hops):
            address = parse_address(hop)
            if address is None:
                break  # a garbled entry: the trusted hop that wrote it is the last address we can vouch for
            current = address
            if not self.trusts(current):
                break
        return str(current)
