"""Request models keep amounts exact and refuse what the hand-written readers refused."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from services.gateway.api.errors import validation_error_response
from services.gateway.api.invoices import invoice_input
from services.gateway.api.jsonio import parse_json
from services.gateway.api.models import CustomerUpdate, InvoiceCreate, PortalSettingsUpdate, SignInLinkRequest


def invoice(raw: bytes) -> InvoiceCreate:
    """The same path as a request: the exact JSON reader first, then the model (FastAPI validates Python values)."""
    return InvoiceCreate.model_validate(parse_json(raw))


def refusal(model: type[BaseModel], raw: bytes) -> dict[str, str]:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(parse_json(raw))
    answer: dict[str, str] = json.loads(bytes(validation_error_response(refused.value.errors()).body))
    return answer


def test_tenths_add_up_exactly() -> None:
    body = invoice(b'{"customer": 1, "items": [{"unit_cost": 0.1}, {"unit_cost": 0.2}, {"unit_cost": 0.3}]}')
    costs = [item.unit_cost or Decimal(0) for item in body.items or []]
    assert costs[0] + costs[1] == costs[2] == Decimal("0.3")
    converted = invoice_input(body, creating=True)
    # billing converts the exact text in the currency it resolves (services/billing/tests/test_currency_default.py)
    assert [item.unit_cost_decimal for item in converted.items.values] == ["0.1", "0.2", "0.3"]


def test_twenty_digit_decimals_arrive_unchanged() -> None:
    body = invoice(
        b'{"customer": 1, "items": [{"quantity": 12345678901234.567891, "unit_cost": 9223372036854775.807}]}'
    )
    converted = invoice_input(body, creating=True).items.values[0]
    assert converted.quantity == "12345678901234.567891"
    assert converted.unit_cost_decimal == "9223372036854775.807"


def test_floats_cannot_sneak_in_even_from_python() -> None:
    with pytest.raises(ValidationError) as refused:
        InvoiceCreate.model_validate({"customer": 1, "items": [{"unit_cost": 0.1}]})
    assert refused.value.errors()[0]["type"] == "number_type"


def test_strings_are_not_numbers_and_numbers_are_not_strings() -> None:
    error = refusal(InvoiceCreate, b'{"customer": 1, "items": [{"unit_cost": "10"}]}')
    assert error["param"] == "items[0].unit_cost" and "must be a number" in error["message"]
    error = refusal(CustomerUpdate, b'{"name": 42}')
    assert error == {"type": "invalid_request", "message": "name must be a string, not a number.", "param": "name"}


def test_unknown_fields_are_refused_and_read_only_echoes_ignored() -> None:
    echoed = CustomerUpdate.model_validate(parse_json(b'{"id": 7, "object": "customer", "created_at": 1, "name": "A"}'))
    assert echoed.given() == {"name": "A"}
    error = refusal(CustomerUpdate, b'{"name": "A", "favourite_colour": "red"}')
    assert error["param"] == "favourite_colour" and error["message"] == "Unknown field: favourite_colour"
    error = refusal(InvoiceCreate, b'{"customer": 1, "items": [{"name": "x", "colour": "red"}]}')
    assert error["param"] == "items[0].colour"


def test_null_clears_on_update_and_is_refused_where_meaningless() -> None:
    update = CustomerUpdate.model_validate(parse_json(b'{"email": null}'))
    assert update.given() == {"email": None}
    error = refusal(PortalSettingsUpdate, b'{"idle_timeout_minutes": null}')
    assert error["param"] == "idle_timeout_minutes"


def test_whole_numbers_take_integral_decimals_only_within_bounds() -> None:
    assert SignInLinkRequest.model_validate(parse_json(b'{"ttl": 3600.0}')).ttl == 3600
    assert "whole number" in refusal(SignInLinkRequest, b'{"ttl": 60.5}')["message"]
    assert refusal(SignInLinkRequest, b'{"ttl": 1e30}')["message"] == "ttl must be at most 604800."
    assert refusal(SignInLinkRequest, b'{"ttl": true}')["param"] == "ttl"
