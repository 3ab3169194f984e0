"""Recurring billing, billing's side: each subscription period's invoice made once, emailed with a Manage
Subscription link, charged with AutoPay; subscription notices and events for the subscriptions service."""
