"""Customers: who a business bills. Each gets a display number (CUST-0001) unless one is given."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from portal_kit.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from portal_kit.ids import new_public_id
from portal_kit.money import normalize_currency
from portal_kit.timestamps import utcnow
from sqlalchemy import func, or_
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import validation
from services.billing.models import Contact, Customer
from services.billing.numbering import next_number
from services.billing.repository import (
    ContactRepository,
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
FILTERS = {"email", "name", "number", "type", "currency", "country"}


@dataclass
class CustomerRecord:
    customer: Customer
    metadata: dict[str, str]


def _apply(customer: Customer, fields: dict[str, Any]) -> dict[str, str] | None:
    """Validates and sets the given fields; returns the new metadata when it was given."""
    new_metadata = None
    for key, value in fields.items():
        if key in TEXT_LIMITS:
            setattr(customer, key, validation.text(value, key, TEXT_LIMITS[key]))
        elif key == "email":
            customer.email = validation.email(value)
        elif key == "type":
            if value not in TYPES:
                raise InvalidArgument("type must be company or person.", "type")
            customer.type = value
        elif key == "payment_terms":
            customer.payment_terms = validation.payment_terms(value)
        elif key == "country":
            customer.country = validation.country(value)
        elif key == "currency":
            customer.currency = normalize_currency(value) if value.strip() else None
        elif key in ("autopay", "taxable"):
            setattr(customer, key, bool(value))
        elif key == "metadata":
            new_metadata = validation.metadata(value)
        else:
            raise InvalidArgument(f"Unknown customer field: {key}.", key)
    if not customer.name:
        raise InvalidArgument("A customer needs a name.", "name")
    return new_metadata


async def _check_number(customers: CustomerRepository, number: str | None, current: str | None = None) -> None:
    if not number:
        raise InvalidArgument("number cannot be empty.", "number")
    if number != current and await customers.number_taken(number):
        raise AlreadyExists(f"A customer with number '{number}' already exists.", "number")


async def create_customer(session: AsyncSession, fields: dict[str, Any]) -> CustomerRecord:
    customers = CustomerRepository(session)
    customer = Customer(tenant_id=customers.tenant_id, id=new_public_id(), number="", name="")
    metadata = _apply(customer, fields) or {}
    if "number" in fields:
        await _check_number(customers, customer.number)
    else:
        sequences = NumberSequenceRepository(session)
        customer.number = await next_number(sequences, "customer", customers.number_taken)
    await customers.add(customer)
    CustomerMetadataRepository(session).add_new(customer.id, metadata)  # a new customer has none to replace
    await session.flush()
    return CustomerRecord(customer, metadata)


async def get_customer(session: AsyncSession, customer_id: int) -> CustomerRecord:
    customer = await CustomerRepository(session).get(customer_id)
    return CustomerRecord(customer, await CustomerMetadataRepository(session).of_owner(customer.id))


async def update_customer(
    session: AsyncSession, customer_id: int, changes: dict[str, Any], cleared: list[str]
) -> CustomerRecord:
    customers = CustomerRepository(session)
    metadata_rows = CustomerMetadataRepository(session)
    customer = await customers.get(customer_id)
    current_number = customer.number
    for name in cleared:
        if name not in CLEARABLE:
            raise InvalidArgument(f"{name} cannot be cleared.", name)
    new_metadata = _apply(customer, changes)
    if "metadata" in cleared:
        new_metadata = {}
    for name in cleared:
        if name != "metadata":
            setattr(customer, name, None)
    if customer.number != current_number:
        await _check_number(customers, customer.number, current_number)
    customer.updated_at = utcnow()
    session.add(customer)
    if new_metadata is not None:
        await metadata_rows.replace(customer.id, new_metadata)
    await session.flush()
    return CustomerRecord(customer, await metadata_rows.of_owner(customer.id))


async def delete_customer(session: AsyncSession, customer_id: int) -> None:
    customer = await CustomerRepository(session).get(customer_id)
    if await InvoiceRepository(session).any_of_customer(customer.id):
        raise FailedPrecondition("This customer has invoices: delete or void them before deleting the customer.")
    await ContactRepository(session).delete_of_customer(customer.id)
    await CustomerMetadataRepository(session).delete_of_owner(customer.id)
    await session.delete(customer)
    await session.flush()


async def list_customers(
    session: AsyncSession, page: int, per_page: int, filters: dict[str, str], metadata: dict[str, str]
) -> tuple[list[CustomerRecord], int]:
    customers = CustomerRepository(session)
    metadata_rows = CustomerMetadataRepository(session)
    validation.unknown_filters(filters, FILTERS)
    query = customers.base()
    for key, value in sorted(filters.items()):
        if key == "currency":
            value = value.strip().lower()
        elif key == "country":
            value = value.strip().upper()
        query = query.where(getattr(Customer, key) == value)
    for condition in metadata_rows.matching(Customer.id, metadata):
        query = query.where(condition)
    query = query.order_by(col(Customer.created_at), col(Customer.pk))
    rows, total = await customers.page(query, *validation.paging(page, per_page))
    by_owner = await metadata_rows.of_owners([c.id for c in rows])
    return [CustomerRecord(c, by_owner[c.id]) for c in rows], total


def normalize_email(value: str) -> str:
    """How sign-in compares addresses: NFKC, trimmed, case-insensitive."""
    return unicodedata.normalize("NFKC", value).strip().lower()


async def find_by_email(session: AsyncSession, email: str) -> list[CustomerRecord]:
    """Customers of this business whose own email or one of whose contacts' emails is this address."""
    address = normalize_email(email)
    if not address or len(address) > 254:
        return []
    customers = CustomerRepository(session)
    contact_owners = (
        ContactRepository(session)
        .base()
        .where(func.lower(Contact.email) == address)
        .with_only_columns(Contact.customer_id)
    )
    query = customers.base().where(
        or_(func.lower(Customer.email) == address, col(Customer.id).in_(contact_owners.scalar_subquery()))
    )
    rows = list((await session.exec(query.order_by(col(Customer.id)))).all())
    by_owner = await CustomerMetadataRepository(session).of_owners([c.id for c in rows])
    return [CustomerRecord(c, by_owner[c.id]) for c in rows]
