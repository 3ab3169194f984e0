"""Creating an invoice on PostgreSQL in two statements and no transaction round trips: the customer's terms, then
the invoice with its number, rows and "invoice.created" event (`NewInvoiceWrites`). The event's object is the reply
without its link token, as `event_log.record()` would store it."""

from __future__ import annotations

from google.protobuf import any_pb2
from portal.billing.v1 import invoices_pb2 as pb
from portal_kit.context import current_tenant
from portal_kit.ids import new_public_id
from portal_kit.reads import Reader
from portal_kit.timestamps import utcnow

from services.billing import invoices
from services.billing.event_log.log import actor
from services.billing.invoices import InvoiceChanges
from services.billing.messages import invoice_to_pb
from services.billing.new_invoices.repository import CreatedEvent, NewInvoiceWrites
from services.billing.numbering import PREFIXES


def _any_head() -> bytes:
    """A serialized Any of an Invoice up to its value's length: its type_url and the value's tag."""
    packed = any_pb2.Any()
    packed.Pack(pb.Invoice())
    return packed.SerializeToString() + b"\x12"


ANY_HEAD = _any_head()


async def create_invoice(reader: Reader, secret_key: bytes, changes: InvoiceChanges) -> pb.Invoice:
    """The new invoice's message (with its link token); see the module docstring."""
    customer_id = invoices.customer_given(changes)
    writes = NewInvoiceWrites(reader, current_tenant())
    customer = await writes.customer_terms(customer_id)
    if customer is None:
        raise invoices.no_such_customer(customer_id)
    record, token = invoices.new_invoice_record(secret_key, changes, customer, writes.tenant_id)
    invoice = record.invoice
    now = utcnow()
    message = invoice_to_pb(record, "", now)  # no number yet: field 4 is left out
    body = message.SerializeToString()
    cut = pb.Invoice(id=invoice.id, customer=invoice.customer_id, name=invoice.name).ByteSize()  # fields 1 to 3
    event = CreatedEvent(new_public_id(), actor(), now, ANY_HEAD, body[:cut], body[cut:])
    await writes.insert(invoice, record.items, record.metadata, PREFIXES["invoice"], event)
    message.number = invoice.number
    message.link_token = token
    return message
