"""A customer's own account as the portal shows it, for the principal of the call (portal_kit.principal).

Billing decides what a principal may see: its own customer's invoices, never drafts, and a guest limited to one
document sees only that one. Anything else reads exactly like a missing invoice.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from portal_kit.errors import InvalidArgument, NotFound, PermissionDenied
from portal_kit.principal import Principal
from portal_kit.reads import Reader
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import customers
from services.billing.customers import CustomerChanges, CustomerRecord
from services.billing.models import Customer, Invoice
from services.billing.repository import (
    AccountReads,
    HolderRow,
    InvoiceColumns,
    InvoiceRepository,
    InvoiceRow,
    LineItemColumns,
    OpenBalance,
)

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
DEFAULT_CURRENCY = "usd"
DETAIL_FIELDS = frozenset({"phone", "attention_to", "address1", "address2", "city", "state", "postal_code"})
WHOLE_ACCOUNT_ONLY = "This page needs a sign-in to the whole account."


@dataclass(frozen=True)
class Holder:
    id: int
    name: str
    number: str
    email: str
    currency: str  # the customer's, else the default: what "nothing owed" is shown in

    @classmethod
    def of(cls, customer: Customer | HolderRow) -> Holder:
        return cls(
            customer.id, customer.name, customer.number, customer.email or "", customer.currency or DEFAULT_CURRENCY
        )


@dataclass(frozen=True)
class AccountPage:
    holder: Holder
    balances: list[OpenBalance]
    rows: list[InvoiceRow]
    next_page: str


def _not_found(invoice_id: int) -> NotFound:
    return NotFound(f"No such invoice: {invoice_id}", "id")


def _per_page(per_page: int) -> int:
    if per_page == 0:
        return DEFAULT_PER_PAGE
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidArgument(f"per_page must be between 1 and {MAX_PER_PAGE}.", "per_page")
    return per_page


def _cursor(after: str) -> int | None:
    if not after:
        return None
    if not after.isdigit() or len(after) > 19:
        raise InvalidArgument("This page link is not valid; go back to the first page.", "after")
    return int(after)


async def account_page(reader: Reader, principal: Principal, per_page: int, after: str) -> AccountPage:
    """One query: the holder's display fields, the open balances per currency and one page of rows."""
    if not principal.whole_account:
        raise PermissionDenied(WHOLE_ACCOUNT_ONLY)
    limit = _per_page(per_page)
    cursor = _cursor(after)
    found = await AccountReads(reader).account_page(principal.customer_id, limit + 1, cursor)
    if found is None:
        raise NotFound("This account no longer exists.", "customer")
    rows = found.rows
    next_page = str(rows[limit - 1].pk) if len(rows) > limit else ""
    return AccountPage(Holder.of(found.holder), found.balances, rows[:limit], next_page)


async def visible_invoice(session: AsyncSession, principal: Principal, invoice_id: int) -> Invoice:
    """The invoice if this principal may see it; another customer's invoice or a draft is NOT_FOUND."""
    invoice = await InvoiceRepository(session).find(invoice_id)
    if invoice is None or invoice.draft or not principal.may_see("invoice", invoice.id, invoice.customer_id):
        raise _not_found(invoice_id)
    return invoice


@dataclass(frozen=True)
class AccountInvoice:
    """An invoice page: the invoice as messages.invoice_to_pb shows it, its holder, and whether it has comments."""

    invoice: InvoiceColumns
    items: list[LineItemColumns]
    metadata: dict[str, str]
    holder: Holder
    has_comments: bool  # a comment-flag event was applied for it (attention/), so its thread exists


async def account_invoice(reader: Reader, principal: Principal, invoice_id: int) -> AccountInvoice:
    """One query in general: the invoice with its line items, holder and flags (and a second for its metadata, only
    when it has some). Visibility is visible_invoice's: another customer's invoice or a draft is NOT_FOUND."""
    account = AccountReads(reader)
    found = await account.invoice_page(invoice_id, principal.customer_id)
    if found is None or not principal.may_see("invoice", found.invoice.id, found.invoice.customer_id):
        raise _not_found(invoice_id)
    if found.holder is None:
        raise NotFound("This account no longer exists.", "customer")
    metadata = await account.metadata(invoice_id) if found.has_metadata else {}
    return AccountInvoice(found.invoice, found.items, metadata, Holder.of(found.holder), found.has_comments)


async def account_customer(session: AsyncSession, principal: Principal) -> CustomerRecord:
    return await customers.get_customer(session, principal.customer_id)


async def update_details(session: AsyncSession, principal: Principal, changes: CustomerChanges) -> CustomerRecord:
    """A customer changes its own contact details; a guest (temporary session) may not."""
    if principal.guest:
        raise PermissionDenied("Changing your details needs a full sign-in.")
    given = [f.name for f in fields(changes.fields) if getattr(changes.fields, f.name) is not None]
    for name in [*given, *changes.cleared]:
        if name not in DETAIL_FIELDS:
            raise InvalidArgument(f"{name} cannot be changed from the portal.", name)
    return await customers.update_customer(session, principal.customer_id, changes)
