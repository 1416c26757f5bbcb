"""Durable outbox: e-mails and webhooks written in the same transaction as the change."""
