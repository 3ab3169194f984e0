"""Which address counts as the customer's: X-Forwarded-For only through trusted proxies, read from the right."""

from __future__ import annotations

import pytest

from services.gateway.client_ip import MAX_HOPS, TrustedProxies

INGRESS = TrustedProxies.parse("10.0.0.0/8, 2001:db8:ffff::/48")


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # Not from a proxy: the header is whatever the caller made up, and is ignored.
        ("198.51.100.20", ["203.0.113.9"], "198.51.100.20"),
        ("127.0.0.1", ["203.0.113.9"], "127.0.0.1"),
        ("198.51.100.20", [], "198.51.100.20"),
        # Through the ingress: the address it saw.
        ("10.1.2.3", ["203.0.113.9"], "203.0.113.9"),
        # The client's own prefix is skipped: the rightmost untrusted hop wins.
        ("10.1.2.3", ["6.6.6.6, 203.0.113.9"], "203.0.113.9"),
        ("10.1.2.3", ["6.6.6.6", "203.0.113.9"], "203.0.113.9"),  # several headers read as one chain
        # Several trusted hops (a load balancer in front of the ingress).
        ("10.1.2.3", ["203.0.113.9, 10.9.9.9"], "203.0.113.9"),
        # Only proxies: the leftmost is as far as we can see.
        ("10.1.2.3", ["10.7.7.7, 10.9.9.9"], "10.7.7.7"),
        # No header from the proxy: the proxy itself.
        ("10.1.2.3", [], "10.1.2.3"),
        ("10.1.2.3", [""], "10.1.2.3"),
        # Garbage stops the walk at the last trusted hop.
        ("10.1.2.3", ["203.0.113.9, not-an-ip"], "10.1.2.3"),
        ("10.1.2.3", ["not-an-ip, 10.9.9.9"], "10.9.9.9"),
        # Ports and IPv6 as proxies write them.
        ("10.1.2.3", ["203.0.113.9:51234"], "203.0.113.9"),
        ("10.1.2.3", ["[2001:db8::7]:443"], "2001:db8::7"),
        ("2001:db8:ffff::1", ["2001:db8::7"], "2001:db8::7"),
        ("::ffff:10.1.2.3", ["203.0.113.9"], "203.0.113.9"),  # an IPv4 peer on a dual-stack socket
        ("2001:db8:1::1", ["203.0.113.9"], "2001:db8:1::1"),  # IPv6 outside the trusted range
    ],
)
def test_client_ip(peer: str, forwarded: list[str], expected: str) -> None:
    assert INGRESS.client_ip(peer, forwarded) == expected


def test_no_trusted_proxies_by_default_means_the_peer_always() -> None:
    assert TrustedProxies.parse("").client_ip("10.1.2.3", ["203.0.113.9"]) == "10.1.2.3"


def test_a_long_chain_is_read_only_so_far() -> None:
    chain = ", ".join(["10.0.0.1"] * (MAX_HOPS + 5))
    assert INGRESS.client_ip("10.1.2.3", [f"203.0.113.9, {chain}"]) == "10.0.0.1"


def test_a_bad_entry_is_named() -> None:
    with pytest.raises(ValueError, match="'10.0.0.0/33' is not an IP address or CIDR"):
        TrustedProxies.parse("10.0.0.0/8, 10.0.0.0/33")
