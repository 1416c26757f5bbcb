"""Rollup tables the scorecard page reads instead of the raw tickets, answers and gestures.

Each table holds sums per week (a Monday, UTC) x dimension ("all", "segment", "persona",
"agent", "channel", "stage") x value: counts and sums add up across weeks and values, so any
period and any breakdown is a small SUM over these rows. Medians and p90 (log-spaced minute
buckets) and the score-based metrics (CSAT, CES, NPS and their intervals, from exact
per-score counts) come from the distribution table's running totals.
``fairdesk scorecard rebuild`` rewrites them inside the database (``rollup.py``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fairdesk.db.base import Base, utcnow


class _Cell:
    """The key every rollup row shares."""

    week: Mapped[date] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(80), primary_key=True)


class ScorecardActivity(_Cell, Base):
    """Tickets (by the week they were opened), survey invitations and goodwill gestures."""

    __tablename__ = "scorecard_activity"
    # The page filters one dimension over a range of weeks.
    __table_args__ = (Index("ix_scorecard_activity_dimension_week", "dimension", "week"),)

    tickets: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[int] = mapped_column(default=0)
    contacts: Mapped[int] = mapped_column(default=0)  # customer messages on resolved tickets
    reopened: Mapped[int] = mapped_column(default=0)  # resolved tickets the customer reopened
    repeat_contacts: Mapped[int] = mapped_column(default=0)  # same topic again within N days
    angry: Mapped[int] = mapped_column(default=0)  # tickets triaged angry or furious
    frt_n: Mapped[int] = mapped_column(default=0)
    frt_sum: Mapped[float] = mapped_column(Float, default=0.0)  # minutes
    ttr_n: Mapped[int] = mapped_column(default=0)
    ttr_sum: Mapped[float] = mapped_column(Float, default=0.0)  # minutes
    wait_n: Mapped[int] = mapped_column(default=0)
    wait_sum: Mapped[float] = mapped_column(Float, default=0.0)  # minutes waiting on us
    invitations: Mapped[int] = mapped_column(default=0)
    answers: Mapped[int] = mapped_column(default=0)
    gestures: Mapped[int] = mapped_column(default=0)
    gestures_at_once: Mapped[int] = mapped_column(default=0)


class ScorecardDistribution(Base):
    """Running totals of a cell's answers per score or tickets per minute bucket, by week.

    ``counts`` maps each key (a CSAT/CES/NPS score, or a log-spaced minute bucket for ``frt``
    and ``ttr``) to how many answers or tickets the cell had on it in every week up to and
    including ``week``. A row exists only for weeks with something new, so a cell's totals at
    any week are its latest row at or before that week, and a period's counts are two rows'
    difference: a page reads two rows per cell and metric whatever the period, not one row per
    week and bucket (which made this the rollups' bulk: 664,088 of 851,502 rows for 1,000,000
    tickets).
    """

    __tablename__ = "scorecard_distribution"

    # Keyed for the reads: one cell's latest row at or before a week is one index probe.
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(80), primary_key=True)
    metric: Mapped[str] = mapped_column(String(8), primary_key=True)
    week: Mapped[date] = mapped_column(primary_key=True)
    counts: Mapped[dict[str, int]] = mapped_column(JSON)


FOREVER = date(9999, 12, 31)  # ``valid_until`` of a cell's latest complaint row


class ScorecardComplaint(Base):
    """Running totals of a cell's complaints: low-CSAT reason codes ("reason") and topics.

    ``n`` (answers, or tickets on the topic) and ``angry`` count everything up to and including
    ``week``; ``valid_until`` is the week of the cell's next row (``FOREVER`` for its latest).
    The totals at any week are then the rows whose interval holds it, found on an index for
    either end: the page reads two rows per cell and complaint whatever the period, not every
    weekly row of it (55 ms of a 2-year page for 1,000,000 tickets).
    """

    __tablename__ = "scorecard_complaint"
    # Totals at a week: the rows starting by then (few, early on) or ending after it (few, late).
    __table_args__ = (
        Index("ix_scorecard_complaint_week", "week"),
        Index("ix_scorecard_complaint_valid_until", "valid_until"),
    )

    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    week: Mapped[date] = mapped_column(primary_key=True)
    valid_until: Mapped[date] = mapped_column(default=FOREVER)
    n: Mapped[int] = mapped_column(default=0)
    angry: Mapped[int] = mapped_column(default=0)


class ScorecardCohort(_Cell, Base):
    """The journey funnel and retention of the customers who entered in ``week``."""

    __tablename__ = "scorecard_cohort"

    leads: Mapped[int] = mapped_column(default=0)
    paid: Mapped[int] = mapped_column(default=0)
    repeat: Mapped[int] = mapped_column(default=0)
    lapsed: Mapped[int] = mapped_column(default=0)
    churned: Mapped[int] = mapped_column(default=0)
    valued: Mapped[int] = mapped_column(default=0)  # paid customers with a CLV
    p_alive_sum: Mapped[float] = mapped_column(Float, default=0.0)
    clv_sum: Mapped[float] = mapped_column(Float, default=0.0)


class ScorecardBuild(Base):
    """One rebuild: when, from which week (None: everything), how long and how many rows."""

    __tablename__ = "scorecard_build"

    id: Mapped[int] = mapped_column(primary_key=True)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    since: Mapped[date | None]
    seconds: Mapped[float] = mapped_column(Float)
    rows: Mapped[int]
