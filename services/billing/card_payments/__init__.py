"""Card payments through each business's own Stripe account: its connection and payment settings, saved cards,
paying invoices (one or many at once), refunds, Stripe's webhooks and AutoPay.

Money moves in the ledger (`services.billing.payments.ledger`): a payment is opened as pending before Stripe is
asked (locking the invoices' balances), settled or failed when Stripe's webhook says so, refunded on request.
"""
