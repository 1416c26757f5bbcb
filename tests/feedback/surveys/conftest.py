from tests.outbox.throwaway import committed_db, db_template

__all__ = ["committed_db", "db_template"]
