"""Contacts: people at a customer. Primary contacts are copied on the customer's mail."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal_kit.errors import InvalidArgument
from portal_kit.ids import new_public_id
from portal_kit.timestamps import utcnow
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


@dataclass(frozen=True)
class ContactFields:
    """What a caller gave for a contact: None means "not given"."""

    name: str | None = None
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    primary: bool | None = None
    sms_enabled: bool | None = None
    department: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class ContactChanges:
    fields: ContactFields
    cleared: list[str] = field(default_factory=list)


def _apply(contact: Contact, given: ContactFields) -> None:
    for key, limit in TEXT_LIMITS.items():
        text = getattr(given, key)
        if text is not None:
            setattr(contact, key, validation.text(text, key, limit))
    if given.email is not None:
        contact.email = validation.email(given.email)
    if given.country is not None:
        contact.country = validation.country(given.country)
    if given.primary is not None:
        contact.primary = given.primary
    if given.sms_enabled is not None:
        contact.sms_enabled = given.sms_enabled
    if not contact.name:
        raise InvalidArgument("A contact needs a name.", "name")


async def create_contact(session: AsyncSession, customer_id: int, given: ContactFields) -> Contact:
    customer = await CustomerRepository(session).get(customer_id)
    contacts = ContactRepository(session)
    contact = Contact(tenant_id=contacts.tenant_id, id=new_public_id(), customer_id=customer.id, name="")
    _apply(contact, given)
    return await contacts.add(contact)


async def get_contact(session: AsyncSession, customer_id: int, contact_id: int) -> Contact:
    return await ContactRepository(session).get_of_customer(customer_id, contact_id)


async def update_contact(session: AsyncSession, customer_id: int, contact_id: int, changes: ContactChanges) -> Contact:
    contacts = ContactRepository(session)
    contact = await contacts.get_of_customer(customer_id, contact_id)
    for name in changes.cleared:
        if name not in CLEARABLE:
            raise InvalidArgument(f"{name} cannot be cleared.", name)
    _apply(contact, changes.fields)
    for name in changes.cleared:
        setattr(contact, name, None)
    contact.updated_at = utcnow()
    return await contacts.save(contact)


async def delete_contact(session: AsyncSession, customer_id: int, contact_id: int) -> None:
    contacts = ContactRepository(session)
    await contacts.discard(await contacts.get_of_customer(customer_id, contact_id))


async def list_contacts(session: AsyncSession, customer_id: int, page: int, per_page: int) -> tuple[list[Contact], int]:
    customer = await CustomerRepository(session).get(customer_id)
    return await ContactRepository(session).page_of_customer(customer.id, *validation.paging(page, per_page))
