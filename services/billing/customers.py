"""Customers: who a business bills. Each gets a display number (CUST-0001) unless one is given."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from portal_kit.errors import FailedPrecondition, InvalidArgument
from portal_kit.ids import new_public_id
from portal_kit.keyset import CursorCodec, Paging, Walk, list_key
from portal_kit.money import normalize_currency
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import validation
from services.billing.estimates.repository import EstimateRepository
from services.billing.models import Customer
from services.billing.numbering import next_number
from services.billing.repository import (
    ContactRepository,
    CustomerFilters,
    CustomerMetadataRepository,
    CustomerRepository,
    InvoiceRepository,
    NumberSequenceRepository,
)

TEXT_LIMITS = {
    "name": 255,
    "number": 50,
    "attention_to": 255,
    "address1": 255,
    "address2": 255,
    "city": 255,
    "state": 255,
    "postal_code": 50,
    "language": 10,
    "phone": 50,
    "tax_id": 100,
    "notes": 10_000,
}
TYPES = {"company", "person"}
CLEARABLE = (set(TEXT_LIMITS) - {"name", "number"}) | {"email", "payment_terms", "country", "currency", "metadata"}
FILTERS = {f.name for f in fields(CustomerFilters)}


@dataclass(frozen=True)
class CustomerFields:
    """What a caller gave for a customer: None means "not given" (clearing a field is said separately)."""

    name: str | None = None
    number: str | None = None
    email: str | None = None
    type: str | None = None
    autopay: bool | None = None
    payment_terms: str | None = None
    attention_to: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    language: str | None = None
    currency: str | None = None
    phone: str | None = None
    tax_id: str | None = None
    taxable: bool | None = None
    notes: str | None = None
    metadata: dict[str, str] | None = None


@dataclass(frozen=True)
class CustomerChanges:
    fields: CustomerFields
    cleared: list[str] = field(default_factory=list)


@dataclass
class CustomerRecord:
    customer: Customer
    metadata: dict[str, str]


def _apply(customer: Customer, given: CustomerFields) -> dict[str, str] | None:
    """Validates and sets the given fields; returns the new metadata when it was given."""
    for key, limit in TEXT_LIMITS.items():
        text = getattr(given, key)
        if text is not None:
            setattr(customer, key, validation.text(text, key, limit))
    if given.email is not None:
        customer.email = validation.email(given.email)
    if given.type is not None:
        if given.type not in TYPES:
            raise InvalidArgument("type must be company or person.", "type")
        customer.type = given.type
    if given.payment_terms is not None:
        customer.payment_terms = validation.payment_terms(given.payment_terms)
    if given.country is not None:
        customer.country = validation.country(given.country)
    if given.currency is not None:
        customer.currency = normalize_currency(given.currency) if given.currency.strip() else None
    if given.autopay is not None:
        customer.autopay = given.autopay
    if given.taxable is not None:
        customer.taxable = given.taxable
    if not customer.name:
        raise InvalidArgument("A customer needs a name.", "name")
    return validation.metadata(given.metadata) if given.metadata is not None else None


def _checked_number(number: str | None) -> str:
    if not number:
        raise InvalidArgument("number cannot be empty.", "number")
    return number


async def create_customer(session: AsyncSession, given: CustomerFields) -> CustomerRecord:
    customers = CustomerRepository(session)
    customer = Customer(tenant_id=customers.tenant_id, id=new_public_id(), number="", name="")
    metadata = _apply(customer, given) or {}
    if given.number is not None:
        _checked_number(customer.number)
    else:
        sequences = NumberSequenceRepository(session)
        customer.number = await next_number(sequences, "customer", customers.number_taken)
    await customers.add_numbered(customer)
    CustomerMetadataRepository(session).add_new(customer.id, metadata)  # a new customer has none to replace
    await session.flush()
    return CustomerRecord(customer, metadata)


async def get_customer(session: AsyncSession, customer_id: int) -> CustomerRecord:
    customer = await CustomerRepository(session).get(customer_id)
    return CustomerRecord(customer, await CustomerMetadataRepository(session).of_owner(customer.id))


async def update_customer(session: AsyncSession, customer_id: int, changes: CustomerChanges) -> CustomerRecord:
    customers = CustomerRepository(session)
    metadata_rows = CustomerMetadataRepository(session)
    customer = await customers.get(customer_id)
    for name in changes.cleared:
        if name not in CLEARABLE:
            raise InvalidArgument(f"{name} cannot be cleared.", name)
    if changes.fields.number is not None:
        number = _checked_number(validation.text(changes.fields.number, "number", TEXT_LIMITS["number"]))
        if number != customer.number:
            await customers.renumber(customer, number)
    new_metadata = _apply(customer, changes.fields)
    if "metadata" in changes.cleared:
        new_metadata = {}
    for name in changes.cleared:
        if name != "metadata":
            setattr(customer, name, None)
    customer.updated_at = utcnow()
    await customers.save(customer)
    if new_metadata is not None:
        await metadata_rows.replace(customer.id, new_metadata)
    return CustomerRecord(customer, await metadata_rows.of_owner(customer.id))


async def delete_customer(session: AsyncSession, customer_id: int) -> None:
    customers = CustomerRepository(session)
    customer = await customers.get(customer_id)
    if await InvoiceRepository(session).any_of_customer(customer.id):
        raise FailedPrecondition("This customer has invoices: delete or void them before deleting the customer.")
    if await EstimateRepository(session).any_of_customer(customer.id):
        raise FailedPrecondition("This customer has estimates: delete them before deleting the customer.")
    await ContactRepository(session).delete_of_customer(customer.id)
    await CustomerMetadataRepository(session).delete_of_owner(customer.id)
    await customers.discard(customer)


def customer_filters(raw: Mapping[str, str]) -> CustomerFilters:
    """filter[...] of a customer list, checked and normalized."""
    validation.unknown_filters(dict(raw), FILTERS)
    values = dict(raw)
    if "currency" in values:
        values["currency"] = values["currency"].strip().lower()
    if "country" in values:
        values["country"] = values["country"].strip().upper()
    return CustomerFilters(**values)


async def list_customers(
    session: AsyncSession, codec: CursorCodec, request: Paging, filters: dict[str, str], metadata: dict[str, str]
) -> tuple[list[CustomerRecord], Walk]:
    """A page of the business's customers (keyset when the request carries a cursor, see portal_kit.keyset)."""
    page, per_page = validation.paging(request.page, request.per_page)
    repository = CustomerRepository(session)
    query = repository.listing(customer_filters(filters), metadata)
    key = list_key("customers", per_page, filters, metadata)
    walk = await repository.walk(query, codec, key, page, per_page, request.cursor)
    by_owner = await CustomerMetadataRepository(session).of_owners([c.id for c in walk.rows])
    return [CustomerRecord(c, by_owner[c.id]) for c in walk.rows], walk


def normalize_email(value: str) -> str:
    """How sign-in compares addresses: NFKC, trimmed, case-insensitive."""
    return unicodedata.normalize("NFKC", value).strip().lower()


async def find_by_email(session: AsyncSession, email: str) -> list[CustomerRecord]:
    """Customers of this business whose own email or one of whose contacts' emails is this address."""
    address = normalize_email(email)
    if not address or len(address) > 254:
        return []
    rows = await CustomerRepository(session).by_email(address)
    by_owner = await CustomerMetadataRepository(session).of_owners([c.id for c in rows])
    return [CustomerRecord(c, by_owner[c.id]) for c in rows]
