"""Writing a new invoice: the invoice, its line items and its metadata in as few round trips as the database allows.

Invoice creation is the business API's busiest write. The rows are built with `new_row` and written with statements
built once (bind parameters only), so no ORM flush and no statement building runs per invoice:
- on PostgreSQL (`creation`, `NewInvoiceWrites`): the customer's terms, then ONE statement that takes the number,
  writes the invoice, its line items, its metadata and its "invoice.created" event with the event's relations, or
  nothing. Outside a keyed call it runs straight on the asyncpg connection outside any transaction, so it is its
  own: no BEGIN or COMMIT round trip, and the business's number sequence is locked only while it runs. A keyed call
  (Idempotency-Key) runs it in the call's transaction, which its stored reply joins;
- a subscription invoice (numbered after its companions) and SQLite (the local run) go through the session
  (`NewInvoiceRepository`, then `event_log.record()`): on PostgreSQL one statement for the invoice, its number,
  items and metadata; elsewhere one statement per table.
"""
