"""The scorecard's numbers on the demo equal the same numbers computed straight from SQL.

The demo business (small) plus survey answers and goodwill gestures on its tickets; the
rollup is rebuilt, then every figure below is recomputed here from the raw tables with plain
queries and Python, on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from math import ceil
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.customers.models import JourneyEvent, JourneyStage
from fairdesk.demo import build_demo, stream
from fairdesk.demo.tickets import add_tickets
from fairdesk.feedback.surveys.models import InvitationStatus, SurveyAnswer, SurveyInvitation
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.scorecard.buckets import BASE, bucket_of, quantile
from fairdesk.scorecard.figures import Figures
from fairdesk.scorecard.query import parse
from fairdesk.scorecard.rollup import rebuild
from fairdesk.scorecard.service import Scorecard, scorecard
from fairdesk.tickets.models import Message, MessageKind, Ticket
from tests.scorecard.helpers import add_feedback

EVERYTHING = {"since": "2020-01-01", "until": "2030-12-31"}


@pytest.fixture()
def demo(session: Session) -> Session:
    summary = build_demo(session, seed=11, customers=300)
    add_tickets(session, summary, stream(summary.seed, "tickets"))
    add_feedback(session)
    rebuild(session)
    return session


def _card(session: Session, by: str = "channel") -> Scorecard:
    return scorecard(session, parse(**EVERYTHING, by=by, today=date(2026, 11, 25)))


def median(values: list[float]) -> float:
    """Nearest-rank median (the smallest value with half the values at or below it)."""
    return sorted(values)[ceil(len(values) / 2) - 1]


def _minutes(start: Any, end: Any) -> float:
    return float((end - start).total_seconds() / 60.0)


def test_ticket_figures_equal_sql(demo: Session) -> None:
    sc = _card(demo)
    tickets = demo.scalars(select(Ticket)).all()
    assert sc.overall.tickets == len(tickets) > 20
    resolved = [t for t in tickets if t.resolved_at is not None]
    assert sc.overall.resolved == len(resolved)
    customer_msgs = demo.scalar(
        select(func.count())
        .select_from(Message)
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(Message.kind == MessageKind.CUSTOMER, Ticket.resolved_at.is_not(None))
    )
    assert sc.overall.contacts_per_resolved == pytest.approx((customer_msgs or 0) / len(resolved))
    frt = [_minutes(t.created_at, t.first_responded_at) for t in tickets if t.first_responded_at]
    exact = median(frt)
    # The rollup keeps log buckets 10 % wide: the median is exact to within one bucket.
    assert sc.overall.frt_median == pytest.approx(exact, rel=BASE - 1)
    ttr = [_minutes(t.created_at, t.resolved_at) for t in resolved]
    assert sc.overall.ttr_median == pytest.approx(median(ttr), rel=BASE - 1)
    reopened = demo.scalar(
        select(func.count(func.distinct(Message.ticket_id)))
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(
            Message.kind == MessageKind.EVENT,
            Message.body.like("Reopened%"),
            Ticket.resolved_at.is_not(None),
        )
    )
    assert sc.overall.reopen_rate == pytest.approx((reopened or 0) / len(resolved))
    by_channel = {r.value: r.figures.tickets for r in sc.rows}
    for channel, n in demo.execute(select(Ticket.channel, func.count()).group_by(Ticket.channel)):
        assert by_channel[channel] == n


def test_waiting_time_is_the_customer_waiting_for_our_replies(demo: Session) -> None:
    sc = _card(demo)
    total = 0.0
    resolved = demo.scalars(select(Ticket).where(Ticket.resolved_at.is_not(None))).all()
    for t in resolved:
        talk = demo.scalars(
            select(Message)
            .where(
                Message.ticket_id == t.id,
                Message.kind.in_([MessageKind.CUSTOMER, MessageKind.REPLY]),
            )
            .order_by(Message.created_at, Message.id)
        ).all()
        asked = None
        for m in talk:
            if m.kind == MessageKind.CUSTOMER and asked is None:
                asked = m.created_at
            elif m.kind == MessageKind.REPLY and asked is not None:
                total += _minutes(asked, m.created_at)
                asked = None
    assert sc.overall.wait_mean == pytest.approx(total / len(resolved), rel=1e-6)


def test_survey_and_goodwill_figures_equal_sql(demo: Session) -> None:
    sc = _card(demo)
    answers = demo.scalars(select(SurveyAnswer)).all()
    csat = [a.csat for a in answers if a.csat is not None]
    assert sc.overall.csat.n == len(csat) > 5
    assert sc.overall.csat.value == pytest.approx(100 * sum(c >= 4 for c in csat) / len(csat))
    nps = [a.nps for a in answers if a.nps is not None]
    expected_nps = 100 * (sum(s >= 9 for s in nps) - sum(s <= 6 for s in nps)) / len(nps)
    assert sc.overall.nps.value == pytest.approx(expected_nps)
    ces = [a.ces for a in answers if a.ces is not None]
    assert sc.overall.ces.mean == pytest.approx(sum(ces) / len(ces))
    sent = demo.scalar(
        select(func.count())
        .select_from(SurveyInvitation)
        .where(SurveyInvitation.status != InvitationStatus.SKIPPED)
    )
    assert sc.overall.response_rate.value == pytest.approx(100 * len(answers) / (sent or 1))
    gestures = demo.scalars(select(Gesture)).all()
    at_once = [g for g in gestures if g.status == GestureStatus.GRANTED and g.approver_id is None]
    assert sc.overall.gestures == len(gestures) > 3
    assert sc.overall.goodwill_at_once.value == pytest.approx(100 * len(at_once) / len(gestures))


def test_funnel_counts_equal_sql(demo: Session) -> None:
    sc = _card(demo, by="segment")
    steps = {str(s.step): s.customers for s in sc.overall.funnel.steps}

    def reached(*stages: JourneyStage) -> int:
        return (
            demo.scalar(
                select(func.count(func.distinct(JourneyEvent.customer_id))).where(
                    JourneyEvent.stage.in_(stages)
                )
            )
            or 0
        )

    assert steps["lead"] == 300
    assert steps["paid"] == reached(JourneyStage.FIRST_PURCHASE)
    assert steps["repeat"] == reached(JourneyStage.REPEAT, JourneyStage.REACTIVATED)
    assert 0 < steps["repeat"] < steps["paid"] <= steps["lead"]


def test_incremental_rebuild_equals_full(demo: Session) -> None:
    full = _card(demo)
    last_week = max(w for w, _ in full.weeks)
    rebuild(demo, since=last_week)
    again = _card(demo)
    assert again.overall == full.overall
    assert [r.figures for r in again.rows] == [r.figures for r in full.rows]
    assert again.pain_points == full.pain_points and again.top_complaints == full.top_complaints


def test_incremental_rebuild_keeps_complaints_of_any_period(demo: Session) -> None:
    """Complaints are running totals valid until the cell's next row: rebuilding from the
    middle reopens and recloses the rows before it, and every period reads the same."""
    weeks = [w for w, _ in _card(demo).weeks]
    middle = weeks[len(weeks) // 2]
    periods = [(weeks[0], weeks[-1]), (weeks[len(weeks) // 3], middle), (middle, weeks[-1])]

    def cards() -> list[tuple[object, object]]:
        out: list[tuple[object, object]] = []
        for first, last in periods:
            until = last + timedelta(days=6)
            q = parse(since=str(first), until=str(until), by="segment", today=until)
            sc = scorecard(demo, q)
            out.append((sc.pain_points, sc.top_complaints))
        return out

    full = cards()
    rebuild(demo, since=middle)
    assert cards() == full


def test_a_period_inside_the_data_counts_only_its_weeks(demo: Session) -> None:
    """Distributions are running totals: a period's counts are two totals' difference.

    The middle third of the demo's weeks, per channel and per week: every CSAT count is the
    raw answers', and every first-response median and p90 is the one the raw tickets of
    exactly those weeks give in the same buckets.
    """
    weeks = [w for w, _ in _card(demo).weeks]
    first, last = weeks[len(weeks) // 3], weeks[2 * len(weeks) // 3]
    until = last + timedelta(days=6)
    sc = scorecard(demo, parse(since=str(first), until=str(until), by="channel", today=until))
    start = datetime.combine(first, time(), tzinfo=UTC)
    end = datetime.combine(until + timedelta(days=1), time(), tzinfo=UTC)
    tickets = demo.scalars(
        select(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)
    ).all()

    def frt(ts: Iterable[Ticket]) -> Counter[int]:
        return Counter(
            bucket_of(_minutes(t.created_at, t.first_responded_at))
            for t in ts
            if t.first_responded_at is not None
        )

    def check(figures: Figures, ts: Sequence[Ticket]) -> None:
        assert figures.tickets == len(ts)
        assert figures.frt_median == pytest.approx(quantile(frt(ts), 0.5))
        assert figures.frt_p90 == pytest.approx(quantile(frt(ts), 0.9))

    assert len(tickets) > 5
    check(sc.overall, tickets)
    for row in sc.rows:
        check(row.figures, [t for t in tickets if t.channel == row.value])
    for week, figures in sc.weeks:
        monday = datetime.combine(week, time(), tzinfo=UTC)
        check(figures, [t for t in tickets if monday <= t.created_at < monday + timedelta(7)])
    csat = [
        c
        for c in demo.scalars(
            select(SurveyAnswer.csat)
            .join(SurveyInvitation, SurveyInvitation.id == SurveyAnswer.invitation_id)
            .where(
                SurveyInvitation.sent_at >= start,
                SurveyInvitation.sent_at < end,
            )
        )
        if c is not None
    ]
    assert sc.overall.csat.n == len(csat) > 0
    assert sc.overall.csat.value == pytest.approx(100 * sum(c >= 4 for c in csat) / len(csat))
    reasons: Counter[str] = Counter()
    for answer in demo.scalars(
        select(SurveyAnswer)
        .join(SurveyInvitation, SurveyInvitation.id == SurveyAnswer.invitation_id)
        .where(SurveyInvitation.sent_at >= start, SurveyInvitation.sent_at < end)
    ):
        if answer.csat is not None and answer.csat <= 3:
            reasons.update(answer.reasons or [])
    shown = {key: n for kind, key, n in sc.top_complaints if kind == "reason"}
    assert shown and all(reasons[key] == n for key, n in shown.items())
