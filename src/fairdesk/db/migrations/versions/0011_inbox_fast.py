"""inbox on 100,000 tickets: stored masked previews, abuse-filter index, subject trigram search

Why: the inbox page's server p95 must stay within 100 ms on 100,000 tickets. Each page
loaded and masked the latest customer message of its 50 tickets; the preview is now stored
in the ticket's triage summary when the message is triaged (``ticket_triage.preview``;
summaries written before this revision keep NULL and are previewed as before, when shown).
The abuse filter read every summary (``abusive OR threat`` is not what
``ix_ticket_triage_abusive`` indexes); a partial index holds the few flagged tickets. A subject
search scanned every subject; on PostgreSQL a ``pg_trgm`` GIN index on ``lower(subject)``
serves ``LIKE '%word%'`` (SQLite keeps the scan: it has no trigram index for ``LIKE``). The
expression must stay identical to ``tickets.service._view_conditions``'s search.

Revision ID: 0011_inbox_fast
Revises: 0010_merge
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_inbox_fast"
down_revision: str | None = "0010_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGGED = "abusive OR threat"


def upgrade() -> None:
    with op.batch_alter_table("ticket_triage") as batch:
        batch.add_column(sa.Column("preview", sa.Text(), nullable=True))
    op.create_index(
        "ix_ticket_triage_flagged",
        "ticket_triage",
        ["ticket_id"],
        unique=False,
        sqlite_where=sa.text(FLAGGED),
        postgresql_where=sa.text(FLAGGED),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_ticket_search_subject ON ticket "
            "USING gin ((lower(subject)) gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_ticket_search_subject", table_name="ticket")
    op.drop_index("ix_ticket_triage_flagged", table_name="ticket_triage")
    with op.batch_alter_table("ticket_triage") as batch:
        batch.drop_column("preview")
