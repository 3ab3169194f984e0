"""Estimates (quotes): what a business proposes, and its customer's approval or decline, with evidence."""
