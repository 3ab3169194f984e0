from __future__ import annotations

import pytest

from portal_kit.context import bound
from portal_kit.errors import PermissionDenied
from portal_kit.principal import Principal, required_principal


def test_a_principal_survives_its_text_form() -> None:
    for principal in (Principal(12), Principal(12, guest=True), Principal(12, "invoice", 34, guest=True)):
        assert Principal.decode(principal.encode()) == principal
    assert Principal(12).encode() == "customer:12"
    assert Principal(12, guest=True).encode() == "guest:12"
    assert Principal(12, "invoice", 34, guest=True).encode() == "guest:12/invoice:34"


def test_a_customer_sees_its_own_documents_and_a_guest_only_its_document() -> None:
    assert Principal(1).may_see("invoice", 5, owner_id=1)
    assert not Principal(1).may_see("invoice", 5, owner_id=2)
    guest = Principal(1, "invoice", 5, guest=True)
    assert guest.may_see("invoice", 5, owner_id=1)
    assert not guest.may_see("invoice", 6, owner_id=1)
    assert not guest.may_see("estimate", 5, owner_id=1)


@pytest.mark.parametrize(
    "text", ["", "customer:", "customer:x", "business:1", "guest:1/invoice", "guest:1/:2", "customer:1/invoice:2"]
)
def test_malformed_or_missing_principals_are_refused(text: str) -> None:
    with bound("tenant", text or None), pytest.raises(PermissionDenied):
        required_principal()


def test_the_principal_of_the_call_in_progress() -> None:
    with bound("tenant", "guest:7/invoice:8"):
        assert required_principal() == Principal(7, "invoice", 8, guest=True)
