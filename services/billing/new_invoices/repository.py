"""The SQL of a new invoice (see the package)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

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
from sqlalchemy import ColumnElement, Insert, String, Text, bindparam, case, cast, func, insert, literal, select
from sqlalchemy.dialects import postgresql

from services.billing.models import Invoice, InvoiceMetadata, LineItem, NumberSequence
from services.billing.repository import NumberSequenceRepository

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
