"""The SQL of a new invoice (see the package)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from portal_kit.reads import Reader, ReadQuery
from portal_kit.repository import (
    TenantRepository,
    adopt,
    bound_arrays,
    bound_insert,
    bound_values,
    column_values,
    insert_columns,
    table_of,
    unnest_insert,
)
from sqlalchemy import (
    ColumnElement,
    Insert,
    String,
    Table,
    Text,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.dialects import postgresql

from services.billing.event_log.models import Event, EventRelation
from services.billing.models import Invoice, InvoiceMetadata, LineItem, NumberSequence
from services.billing.repository import InvoiceTerms, NumberSequenceRepository, invoice_terms_query

INVOICES, LINE_ITEMS, METADATA, SEQUENCES = (table_of(m) for m in (Invoice, LineItem, InvoiceMetadata, NumberSequence))
ITEM_PREFIX, METADATA_PREFIX = "item_", "metadata_"


def _number_text(prefix: ColumnElement[str], value: ColumnElement[int]) -> ColumnElement[str]:
    """f"{prefix}-{value:04d}" in SQL."""
    digits = cast(value, Text)
    return prefix.concat("-").concat(case((value < 10000, func.lpad(digits, 4, "0")), else_=digits))


@cache
def _postgresql_statement(numbered: bool, with_items: bool, with_metadata: bool) -> Insert:
    """The invoice's INSERT (its columns bound by name) returning its pk and number; with its line items and its
    metadata (`item_`/`metadata_` arrays); `numbered`: its number is the next of the `tenant_id` business's
    invoice sequence, formatted with `number_prefix`."""
    names = insert_columns(INVOICES)
    if numbered:
        names = tuple(name for name in names if name != "number")
    statement = bound_insert(INVOICES, names)
    if numbered:
        tenant = bindparam("tenant_id", type_=String)
        taken = (
            postgresql.insert(SEQUENCES)
            .values(tenant_id=tenant, kind=literal("invoice"), next_value=2)
            .on_conflict_do_update(
                index_elements=["tenant_id", "kind"], set_={"next_value": SEQUENCES.c.next_value + 1}
            )
            .returning((SEQUENCES.c.next_value - 1).label("value"))
            .cte("taken")
        )
        prefix = bindparam("number_prefix", type_=String)
        statement = statement.values(number=select(_number_text(prefix, taken.c.value)).scalar_subquery())
    if with_items:
        items = unnest_insert(LINE_ITEMS, insert_columns(LINE_ITEMS), ITEM_PREFIX)
        statement = statement.add_cte(items.cte("new_line_items"))
    if with_metadata:
        metadata = unnest_insert(METADATA, insert_columns(METADATA), METADATA_PREFIX)
        statement = statement.add_cte(metadata.cte("new_invoice_metadata"))
    return statement.returning(INVOICES.c.pk, INVOICES.c.number)


@cache
def _single_statements() -> tuple[Insert, Insert, Insert]:
    """One INSERT per table, for the other databases (line items and metadata executed with many rows)."""
    invoice = bound_insert(INVOICES, insert_columns(INVOICES)).returning(INVOICES.c.pk, INVOICES.c.number)
    return invoice, insert(LINE_ITEMS), insert(METADATA)


class NewInvoiceRepository(TenantRepository[Invoice]):
    model = Invoice
    noun = "invoice"

    async def insert(
        self, invoice: Invoice, items: Sequence[LineItem], metadata: dict[str, str], number_prefix: str | None
    ) -> None:
        """Writes a new invoice (a `new_row`), its line items and its metadata, then puts the invoice in the
        session as if loaded. With `number_prefix`, the invoice takes the next number of the business's invoice
        sequence ("INV-0042") as it is written: the sequence row stays locked until the commit. Without, it keeps
        its number (InvoiceRepository.number_new gives it one later)."""
        invoice.tenant_id = self.tenant_id
        row = column_values(invoice)
        item_rows = [{**column_values(item), "tenant_id": self.tenant_id} for item in items]
        metadata_rows = [
            {"tenant_id": self.tenant_id, "owner_id": invoice.id, "key": key, "value": value}
            for key, value in metadata.items()
        ]
        if self.dialect == "postgresql":
            params: dict[str, Any] = dict(row)
            if number_prefix is not None:
                del params["number"]
                params["number_prefix"] = number_prefix
            if item_rows:
                params |= bound_arrays(ITEM_PREFIX, insert_columns(LINE_ITEMS), item_rows)
            if metadata_rows:
                params |= bound_arrays(METADATA_PREFIX, insert_columns(METADATA), metadata_rows)
            statement = _postgresql_statement(number_prefix is not None, bool(item_rows), bool(metadata_rows))
            written = (await self.session.execute(statement, params)).one()
        else:
            if number_prefix is not None:
                value = await NumberSequenceRepository(self.session).take("invoice")
                row["number"] = f"{number_prefix}-{value:04d}"
            invoice_insert, items_insert, metadata_insert = _single_statements()
            written = (await self.session.execute(invoice_insert, bound_values("", row))).one()
            for statement, rows in ((items_insert, item_rows), (metadata_insert, metadata_rows)):
                if rows:
                    await self.session.execute(statement, rows)
        adopt(self.session, invoice, pk=written.pk, number=written.number)


# The single statement of a new invoice and its event (`NewInvoiceWrites`). Its parameters are untyped: their
# PostgreSQL types are the CASTs in the text, so asyncpg takes Python's values as they are (no SQLAlchemy bind
# processing) and keeps the statement prepared per connection.
_POSTGRESQL = postgresql.dialect()
_OWN = {"tenant_id", "number", "invoice_id", "owner_id"}  # bound once for the whole statement, or computed in it


def _cast(table: Table, column: str, param: str, array: bool = False) -> str:
    """`CAST(:param AS <column's type>)`; strings as VARCHAR without a length, which a CAST would cut silently (the
    column refuses a value too long instead)."""
    sql_type = re.sub(r"VARCHAR\(\d+\)", "VARCHAR", table.c[column].type.compile(dialect=_POSTGRESQL))
    return f"CAST(:{param} AS {sql_type}{'[]' if array else ''})"


def _varint(size: str) -> str:
    """The protobuf varint of `size` (an SQL integer below 2**28) as bytea."""
    byte = "set_byte({}, {}, {})"
    zeros = ["decode('00', 'hex')", "decode('0000', 'hex')", "decode('000000', 'hex')", "decode('00000000', 'hex')"]
    cases = []
    for width in range(1, 5):
        value = zeros[width - 1]
        for i in range(width):
            part = f"(({size} >> {7 * i}) & 127)" + (" | 128" if i < width - 1 else "")
            value = byte.format(value, i, part)
        limit = f"WHEN {size} < {1 << 7 * width} THEN " if width < 4 else "ELSE "
        cases.append(limit + value)
    return "CASE " + " ".join(cases) + " END"


INVOICE_COLUMNS = tuple(name for name in insert_columns(INVOICES) if name not in _OWN)
ITEM_COLUMNS = tuple(name for name in insert_columns(LINE_ITEMS) if name not in _OWN)
EVENTS, RELATIONS = table_of(Event), table_of(EventRelation)
OBJECT_MAX = 1 << 27  # a serialized invoice is far below (gRPC's messages are at most 4 MiB)


def _create_with_event() -> ReadQuery:
    invoice_values = ", ".join(_cast(INVOICES, name, name) for name in INVOICE_COLUMNS)
    item_columns = ", ".join(ITEM_COLUMNS)
    tenant = _cast(INVOICES, "tenant_id", "tenant")
    payload = (
        "CAST(:object_head AS BYTEA) || {varint} || CAST(:object_before AS BYTEA) || decode('22', 'hex')"
        " || set_byte(decode('00', 'hex'), 0, octet_length(n.number)) || convert_to(n.number, 'UTF8')"
        " || CAST(:object_after AS BYTEA)"
    ).format(varint=_varint("n.size"))
    sql = f"""
WITH taken AS (
  INSERT INTO number_sequences (tenant_id, kind, next_value) VALUES ({tenant}, 'invoice', 2)
  ON CONFLICT (tenant_id, kind) DO UPDATE SET next_value = number_sequences.next_value + 1
  RETURNING next_value - 1 AS value
), new_invoice AS (
  INSERT INTO invoices (tenant_id, number, {", ".join(INVOICE_COLUMNS)})
  SELECT {tenant}, CAST(:number_prefix AS VARCHAR) || '-'
           || CASE WHEN taken.value < 10000 THEN lpad(taken.value::text, 4, '0') ELSE taken.value::text END,
         {invoice_values}
  FROM taken
  RETURNING pk, id, customer_id, number
), new_line_items AS (
  INSERT INTO line_items (tenant_id, invoice_id, {item_columns})
  SELECT {tenant}, new_invoice.id, {", ".join("given." + name for name in ITEM_COLUMNS)}
  FROM new_invoice, json_populate_recordset(NULL::line_items, CAST(:items AS JSON)) AS given
), new_invoice_metadata AS (
  INSERT INTO invoice_metadata (tenant_id, owner_id, key, value)
  SELECT {tenant}, new_invoice.id, given.key, given.value
  FROM new_invoice, json_each_text(CAST(:metadata AS JSON)) AS given(key, value)
), new_event AS (
  INSERT INTO events (tenant_id, id, type, object_type, object_id, customer_id, actor, object, created_at)
  SELECT {tenant}, {_cast(EVENTS, "id", "event_id")}, 'invoice.created', 'invoice', n.id, n.customer_id,
         {_cast(EVENTS, "actor", "actor")}, {payload}, {_cast(EVENTS, "created_at", "event_created_at")}
  FROM (SELECT id, customer_id, number, CAST(:object_size AS INTEGER) + 2 + octet_length(number) AS size
        FROM new_invoice) AS n
  RETURNING pk, object_id, customer_id
), new_event_relations AS (
  INSERT INTO event_relations (tenant_id, event_pk, object_type, object_id)
  SELECT {tenant}, new_event.pk, related.object_type, related.object_id
  FROM new_event, LATERAL (VALUES ('customer', new_event.customer_id), ('invoice', new_event.object_id))
    AS related(object_type, object_id)
)
SELECT new_invoice.pk, new_invoice.number FROM new_invoice
"""  # noqa: S608  (built at import from the models' column names; every value is a bind parameter)
    return ReadQuery(text(sql))


CREATE_WITH_EVENT = _create_with_event()


@dataclass(frozen=True, slots=True)
class CreatedEvent:
    """The "invoice.created" event of a new invoice. Its object is a serialized google.protobuf.Any of the invoice's
    message, whose `number` (string field 4) the statement that takes the number sets: `head` is the Any's type_url
    and the tag of its value, `before` and `after` the message's fields below and above 4. What the statement stores
    is byte for byte what `Any.Pack()` makes of the message with its number."""

    id: int
    actor: str
    created_at: datetime
    head: bytes
    before: bytes
    after: bytes


INVOICE_TERMS = ReadQuery(invoice_terms_query())


def _item_json(item: LineItem) -> dict[str, Any]:
    """A line item as a JSON object for json_populate_recordset (one parameter for all the items, however many:
    cheaper to bind than an array per column)."""
    fields = item.__dict__
    row = {name: fields[name] for name in ITEM_COLUMNS}
    row["created_at"] = row["created_at"].isoformat()
    row["updated_at"] = row["updated_at"].isoformat()
    return row


class NewInvoiceWrites:
    """A new invoice and its "invoice.created" event in ONE statement on PostgreSQL, run outside any transaction (a
    `Database.reads()` reader where `Database.single_statement_writes()`): the statement is its own transaction, so
    there are no BEGIN and COMMIT round trips, and the business's invoice sequence row is locked only while it runs.
    The number is taken, the invoice, its line items, its metadata, the event (its object built around the number)
    and the event's relations to the invoice and its customer are written, or none of it is."""

    def __init__(self, reader: Reader, tenant_id: str) -> None:
        self.reader = reader
        self.tenant_id = tenant_id

    async def customer_terms(self, customer_id: int) -> InvoiceTerms | None:
        """What a new invoice takes from its customer, if the customer is this tenant's."""
        found = await self.reader.rows(INVOICE_TERMS, self.tenant_id, customer=customer_id)
        return InvoiceTerms(*found[0]) if found else None

    async def insert(
        self,
        invoice: Invoice,
        items: Sequence[LineItem],
        metadata: dict[str, str],
        number_prefix: str,
        event: CreatedEvent,
    ) -> None:
        """Writes the invoice (a `new_row`, of this tenant), its rows and `event`, and sets the invoice's pk and
        number."""
        fields = invoice.__dict__
        params: dict[str, Any] = {name: fields[name] for name in INVOICE_COLUMNS}
        params["number_prefix"] = number_prefix
        params["items"] = json.dumps([_item_json(item) for item in items]) if items else "[]"
        params["metadata"] = json.dumps(metadata) if metadata else "{}"
        size = len(event.before) + len(event.after)
        if size >= OBJECT_MAX:
            raise ValueError("the invoice is too large to be logged")
        params |= {
            "event_id": event.id, "actor": event.actor, "event_created_at": event.created_at,
            "object_head": event.head, "object_before": event.before, "object_after": event.after,
            "object_size": size,
        }  # fmt: skip
        [(pk, number)] = await self.reader.rows(CREATE_WITH_EVENT, self.tenant_id, **params)
        fields["pk"] = pk
        fields["number"] = number
