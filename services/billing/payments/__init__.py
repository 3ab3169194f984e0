"""Billing's payment ledger: payments, their applications to invoices, refunds (see ledger.py)."""
