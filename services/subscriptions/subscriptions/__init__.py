"""Subscriptions: what a customer is billed for every period of a plan (model, rules, service)."""
