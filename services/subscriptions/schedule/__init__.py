"""Recurring billing: the scheduler that bills each subscription period exactly once (see runner.py)."""
