"""customer list indexes: sort keys ending in id, trigram search (pg_trgm / FTS5)

Why: the staff customers list must answer in ≤ 100 ms on 100,000 customers. Sort indexes that
end in ``id`` let PostgreSQL page by an index-only scan; substring search and the tag filter
need trigram indexes, which PostgreSQL gets from ``pg_trgm`` GIN expression indexes and SQLite
from an FTS5 ``trigram`` table kept in step with ``customer`` by triggers (backfilled here).
The expressions below must stay identical to ``customers.service`` or the indexes go unused.

Revision ID: 0006_customer_search
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_customer_search"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TAG_COLUMNS = ("values", "interests", "personality", "lifestyle", "product_lines")

# PostgreSQL index expressions (text form of the JSON tag lists, joined by a space).
PG_NAME = "lower((first_name || ' ') || last_name)"
PG_EMAIL = "lower(email)"
PG_TAGS = "lower(" + " || ' ' || ".join(f'CAST("{c}" AS TEXT)' for c in TAG_COLUMNS) + ")"


def _sqlite_row(prefix: str) -> str:
    """The FTS5 row of one customer: lowered name, e-mail and tag lists' JSON text."""
    tags = " || ' ' || ".join(f'coalesce({prefix}"{c}", \'\')' for c in TAG_COLUMNS)
    return (
        f"lower({prefix}first_name || ' ' || {prefix}last_name), "
        f"lower(coalesce({prefix}email, '')), lower({tags})"
    )


def _replace_sort_indexes(with_id: bool) -> None:
    tail = ["id"] if with_id else []
    for name, cols in (
        ("ix_customer_name", ["last_name", "first_name"]),
        ("ix_customer_created_at", ["created_at"]),
        ("ix_customer_email", ["email"]),
    ):
        op.drop_index(name, table_name="customer")
        op.create_index(name, "customer", [*cols, *tail], unique=False)


def upgrade() -> None:
    _replace_sort_indexes(with_id=True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, expr in (
            ("ix_customer_search_name", PG_NAME),
            ("ix_customer_search_email", PG_EMAIL),
            ("ix_customer_search_tags", PG_TAGS),
        ):
            op.execute(f"CREATE INDEX {name} ON customer USING gin (({expr}) gin_trgm_ops)")
        return
    op.execute(
        "CREATE VIRTUAL TABLE customer_fts USING fts5(name, email, tags, tokenize='trigram')"
    )
    op.execute(
        "INSERT INTO customer_fts (rowid, name, email, tags) "
        f"SELECT id, {_sqlite_row('')} FROM customer"
    )
    insert = (
        "INSERT INTO customer_fts (rowid, name, email, tags) "
        f"VALUES (new.id, {_sqlite_row('new.')});"
    )
    op.execute(f"CREATE TRIGGER customer_fts_ai AFTER INSERT ON customer BEGIN {insert} END")
    op.execute(
        "CREATE TRIGGER customer_fts_au AFTER UPDATE ON customer BEGIN "
        f"DELETE FROM customer_fts WHERE rowid = old.id; {insert} END"
    )
    op.execute(
        "CREATE TRIGGER customer_fts_ad AFTER DELETE ON customer BEGIN "
        "DELETE FROM customer_fts WHERE rowid = old.id; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("tags", "email", "name"):
            op.drop_index(f"ix_customer_search_{name}", table_name="customer")
    else:
        for trigger in ("customer_fts_ad", "customer_fts_au", "customer_fts_ai"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE customer_fts")
    _replace_sort_indexes(with_id=False)

