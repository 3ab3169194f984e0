from __future__ import annotations

from decimal import Decimal

import pytest
from portal_kit.errors import InvalidArgument

from services.gateway.api.jsonio import dumps, parse_body


def test_numbers_are_parsed_as_decimals_and_written_back_exactly() -> None:
    body = parse_body(b'{"unit_cost": 64.97, "quantity": 3, "nested": [0.1, {"x": 1e2}]}')
    assert body["unit_cost"] == Decimal("64.97")
    assert isinstance(body["nested"][0], Decimal)
    assert dumps({"a": Decimal("64.97"), "b": Decimal("45.00"), "c": Decimal("0.10"), "d": [True, None, "x"]}) == (
        '{"a":64.97,"b":45,"c":0.10,"d":[true,null,"x"]}'
    )


def test_floats_never_leave_the_api() -> None:
    with pytest.raises(TypeError):
        dumps({"total": 0.1})


@pytest.mark.parametrize("raw", [b"{", b"[1]", b'"text"', b"\xff"])
def test_bad_bodies_are_invalid_arguments(raw: bytes) -> None:
    with pytest.raises(InvalidArgument):
        parse_body(raw)
