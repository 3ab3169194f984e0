"""Contacts: people at a customer. Primary contacts are copied on the customer's mail."""

from __future__ import annotations

from typing import Any

from portal_kit.errors import InvalidArgument
from portal_kit.ids import new_public_id
from portal_kit.timestamps import utcnow
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.billing import validation
from services.billing.models import Contact
from services.billing.repository import ContactRepository, CustomerRepository

TEXT_LIMITS = {
    "name": 255,
    "title": 255,
    "phone": 50,
    "department": 255,
    "address1": 255,
    "address2": 255,
    "city": 255,
    "state": 255,
    "postal_code": 50,
}
CLEARABLE = (set(TEXT_LIMITS) - {"name"}) | {"email", "country"}


def _apply(contact: Contact, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        if key in TEXT_LIMITS:
            setattr(contact, key, validation.text(value, key, TEXT_LIMITS[key]))
        elif key == "email":
            contact.email = validation.email(value)
        elif key == "country":
            contact.country = validation.country(value)
        elif key in ("primary", "sms_enabled"):
            setattr(contact, key, bool(value))
        else:
            raise InvalidArgument(f"Unknown contact field: {key}.", key)
    if not contact.name:
        raise InvalidArgument("A contact needs a name.", "name")


async def create_contact(session: AsyncSession, customer_id: int, fields: dict[str, Any]) -> Contact:
    customer = await CustomerRepository(session).get(customer_id)
    contacts = ContactRepository(session)
    contact = Contact(tenant_id=contacts.tenant_id, id=new_public_id(), customer_id=customer.id, name="")
    _apply(contact, fields)
    return await contacts.add(contact)


async def get_contact(session: AsyncSession, customer_id: int, contact_id: int) -> Contact:
    return await ContactRepository(session).get_of_customer(customer_id, contact_id)


async def update_contact(
    session: AsyncSession, customer_id: int, contact_id: int, changes: dict[str, Any], cleared: list[str]
) -> Contact:
    contact = await ContactRepository(session).get_of_customer(customer_id, contact_id)
    for name in cleared:
        if name not in CLEARABLE:
            raise InvalidArgument(f"{name} cannot be cleared.", name)
    _apply(contact, changes)
    for name in cleared:
        setattr(contact, name, None)
    contact.updated_at = utcnow()
    session.add(contact)
    await session.flush()
    return contact


async def delete_contact(session: AsyncSession, customer_id: int, contact_id: int) -> None:
    contact = await ContactRepository(session).get_of_customer(customer_id, contact_id)
    await session.delete(contact)
    await session.flush()


async def list_contacts(session: AsyncSession, customer_id: int, page: int, per_page: int) -> tuple[list[Contact], int]:
    customer = await CustomerRepository(session).get(customer_id)
    contacts = ContactRepository(session)
    query = contacts.of_customer(customer.id).order_by(col(Contact.created_at), col(Contact.pk))
    return await contacts.page(query, *validation.paging(page, per_page))
