"""The e-mail test commits (the outbox worker runs its own transactions): a fresh database."""

from tests.outbox.throwaway import committed_db, db_template

__all__ = ["committed_db", "db_template"]
