from __future__ import annotations

from portal_kit.context import decode_param, encode_param


def test_params_travel_as_printable_ascii_and_come_back_unchanged() -> None:
    for param in ("ttl", "items[0].quantity", 'filter[V\u00e6b\r"x]', "metadata[\u00ccT\u00c0]", "100%", "to[0].email"):
        encoded = encode_param(param)
        assert all(0x20 <= ord(c) < 0x7F for c in encoded), encoded
        assert decode_param(encoded) == param
    assert encode_param("items[0].quantity") == "items[0].quantity"
