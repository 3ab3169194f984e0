"""Envelope encryption of the businesses' Stripe secrets."""

from __future__ import annotations

import pytest
from portal_kit.errors import FailedPrecondition

from services.billing.card_payments.sealing import Sealed, Sealer

KEY = b"k" * 32


def test_a_sealed_secret_opens_only_with_its_key_and_its_business() -> None:
    sealer = Sealer(KEY)
    sealed = sealer.seal("sk_test_secret", "stripe:tenant-a:secret_key")
    assert "sk_test" not in sealed.ciphertext + sealed.wrapped_key
    assert sealer.open(sealed, "stripe:tenant-a:secret_key") == "sk_test_secret"
    with pytest.raises(ValueError):
        sealer.open(sealed, "stripe:tenant-b:secret_key")  # copied to another business's row
    with pytest.raises(ValueError):
        Sealer(b"o" * 32).open(sealed, "stripe:tenant-a:secret_key")
    forged = Sealed(sealed.ciphertext, sealed.wrapped_key, Sealer(b"o" * 32).key_id)
    with pytest.raises(ValueError):
        Sealer(b"o" * 32).open(forged, "stripe:tenant-a:secret_key")


def test_each_record_has_its_own_data_key() -> None:
    sealer = Sealer(KEY)
    one, two = sealer.seal("same", "c"), sealer.seal("same", "c")
    assert one.wrapped_key != two.wrapped_key and one.ciphertext != two.ciphertext


def test_a_short_key_is_refused_and_no_key_seals_nothing() -> None:
    with pytest.raises(ValueError):
        Sealer(b"short")
    with pytest.raises(FailedPrecondition):
        Sealer(b"").seal("sk_test_secret", "c")
