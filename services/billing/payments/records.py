"""What the ledger hands back: a payment with its applications (and the applied invoices' display numbers)."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.billing.payments.models import Payment, PaymentApplication, PaymentRefund


@dataclass
class PaymentRecord:
    payment: Payment
    applications: list[PaymentApplication]
    invoice_numbers: dict[int, str] = field(default_factory=dict)
    estimate_number: str = ""  # of the estimate whose deposit this pays (payment.estimate_id)


@dataclass
class RefundRecord:
    refund: PaymentRefund
    payment: PaymentRecord
