"""pages: indexes that keep every inbox view and sort fast at 100,000 tickets

Revision ID: 0003_pages
Revises: 0002
Create Date: 2026-11-24 22:45:00

Three indexes, each matching an expression ``tickets.inbox_query`` sends exactly (SQLite
and PostgreSQL only use an expression or partial index when the query repeats it):

- ``ix_ticket_open_created``: the open tickets only (a few per cent of a desk's history),
  in date order, with every column the open views test, so their counts and pages are read
  from this small index alone. Without it SQLite, which has no value histograms, walks the
  whole ``created_at`` index of closed tickets to find the open ones in date order (a
  second per page at 100,000).
- ``ix_ticket_next_due``: the deadline that matters now (first response until answered,
  then resolution), so "due first" pages, deep ones included, are an index walk, not a sort.
- ``ix_ticket_priority_rank``: urgent-first order, likewise.
- ``ix_ticket_created_id``: date order with its id tie-break, which PostgreSQL needs in the
  index to read a deep page from the index alone (SQLite's indexes carry the rowid anyway).

On PostgreSQL the expression indexes also INCLUDE the columns their expression reads, so a
deep page is an index-only scan instead of 50,000 table reads.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_pages"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('new', 'open', 'pending')"
OPEN_VIEW_COLUMNS = [
    "created_at",
    "id",
    "status",
    "assignee_id",
    "priority",
    "channel",
    "first_responded_at",
    "first_response_due_at",
    "resolution_due_at",
    "sla_paused_at",
]
NEXT_DUE = (
    "(CASE WHEN (first_responded_at IS NULL) THEN first_response_due_at ELSE resolution_due_at END)"
)
PRIORITY_RANK = (
    "(CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 "
    "WHEN 'low' THEN 3 ELSE 4 END)"
)


def upgrade() -> None:
    op.create_index(
        "ix_ticket_open_created",
        "ticket",
        OPEN_VIEW_COLUMNS,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_index(
        "ix_ticket_next_due",
        "ticket",
        [sa.text(NEXT_DUE), "id"],
        postgresql_include=["first_responded_at", "first_response_due_at", "resolution_due_at"],
    )
    op.create_index(
        "ix_ticket_priority_rank",
        "ticket",
        [sa.text(PRIORITY_RANK), "created_at", "id"],
        postgresql_include=["priority"],
    )
    op.create_index("ix_ticket_created_id", "ticket", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_created_id", table_name="ticket")
    op.drop_index("ix_ticket_priority_rank", table_name="ticket")
    op.drop_index("ix_ticket_next_due", table_name="ticket")
    op.drop_index("ix_ticket_open_created", table_name="ticket")
