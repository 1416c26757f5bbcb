"""sla: the agent rotation counter, and customers found by e-mail without a scan

Revision ID: 0003_sla
Revises: 0002
Create Date: 2026-11-24 22:40:00

PostgreSQL keeps the round-robin turn in a sequence: ``nextval`` is not transactional, so
concurrent intakes each get a distinct turn at once, without locking or writing any row.
SQLite needs none (its single writer makes picks serial).

Intake finds the writer by ``lower(email)`` on every message; an index on that expression
(both databases support one) keeps it a lookup instead of a scan of every customer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_sla"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE IF NOT EXISTS agent_rotation_seq")
    op.create_index("ix_customer_email_lower", "customer", [sa.text("lower(email)")])


def downgrade() -> None:
    op.drop_index("ix_customer_email_lower", table_name="customer")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS agent_rotation_seq")
