"""Goodwill tests that commit for real (parallel grants) use a throwaway database."""

from tests.outbox.throwaway import committed_db, db_template

__all__ = ["committed_db", "db_template"]
