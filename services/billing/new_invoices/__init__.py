"""Writing a new invoice: the invoice, its line items and its metadata in as few round trips as the database allows.

Invoice creation is the business API's busiest write. The rows are built with `new_row` and written with statements
built once per shape (bind parameters only), so no ORM flush and no statement building runs per invoice:
- on PostgreSQL, one statement: the invoice's INSERT, with the line items and the metadata inserted by CTEs
  (`unnest_insert`), and the invoice's number taken from the business's sequence by another CTE;
- elsewhere (SQLite in the local run), one statement per table.
"""
