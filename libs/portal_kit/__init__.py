"""Shared plumbing for the portal's services: gRPC, database, events, settings. No billing nouns here."""
