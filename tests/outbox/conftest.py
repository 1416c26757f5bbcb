"""Outbox tests commit (the worker runs its own transactions): a fresh database per test."""

from tests.outbox.throwaway import committed_db, db_template

__all__ = ["committed_db", "db_template"]
