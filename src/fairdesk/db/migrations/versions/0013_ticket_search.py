"""inbox subject search on SQLite: an FTS5 trigram table of ticket subjects

Why: the inbox's subject search must answer within 100 ms on 100,000 tickets on the embedded
default too. PostgreSQL got a ``pg_trgm`` index in 0011_inbox_fast; SQLite has no index for
``LIKE '%word%'``, so, as for the customer list (0006), an FTS5 ``trigram`` table holds each
ticket's subject (rowid = ticket.id), kept in step by triggers and backfilled here. The update
trigger fires only when the subject changes, not on every status or assignment change.

Revision ID: 0013_ticket_search
Revises: 0012_merge
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_ticket_search"
down_revision: str | None = "0012_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSERT = "INSERT INTO ticket_fts (rowid, subject) VALUES (new.id, new.subject);"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE VIRTUAL TABLE ticket_fts USING fts5(subject, tokenize='trigram')")
    op.execute("INSERT INTO ticket_fts (rowid, subject) SELECT id, subject FROM ticket")
    op.execute(f"CREATE TRIGGER ticket_fts_ai AFTER INSERT ON ticket BEGIN {INSERT} END")
    op.execute(
        "CREATE TRIGGER ticket_fts_au AFTER UPDATE OF subject ON ticket BEGIN "
        f"DELETE FROM ticket_fts WHERE rowid = old.id; {INSERT} END"
    )
    op.execute(
        "CREATE TRIGGER ticket_fts_ad AFTER DELETE ON ticket BEGIN "
        "DELETE FROM ticket_fts WHERE rowid = old.id; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("ticket_fts_ad", "ticket_fts_au", "ticket_fts_ai"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE ticket_fts")
