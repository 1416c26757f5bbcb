"""Survey figures for a period, straight from the tables, computed by ``metrics``.

A period is about invitations *sent* in it (``since`` inclusive, ``until`` exclusive): an
answer counts in the period its survey went out, so the response rate's numerator and
denominator describe the same customers. The database only counts (one ``GROUP BY`` per score),
so the figures cost the same for a hundred answers or a million.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import repeat
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import Session

from fairdesk.feedback.surveys import followups, metrics
from fairdesk.feedback.surveys.models import (
    InvitationStatus,
    SurveyAnswer,
    SurveyInvitation,
    SurveyKind,
)


@dataclass(frozen=True)
class SurveyStats:
    """Everything the stats page, the API and ``fairdesk survey stats`` show."""

    since: datetime | None
    until: datetime | None
    kind: str | None
    sent: int
    answered: int
    skipped: int
    skip_reasons: dict[str, int]
    response_rate: metrics.Proportion
    csat: metrics.Proportion
    ces: metrics.CesResult
    nps: metrics.NpsResult
    reasons: dict[str, int]
    follow_ups_open: int
    follow_ups_overdue: int

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("since", "until"):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        return data


def _period(
    since: datetime | None, until: datetime | None, kind: SurveyKind | None
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if since is not None:
        conds.append(SurveyInvitation.sent_at >= since)
    if until is not None:
        conds.append(SurveyInvitation.sent_at < until)
    if kind is not None:
        conds.append(SurveyInvitation.kind == kind)
    return conds


def _score_lists(
    session: Session, conds: list[ColumnElement[bool]]
) -> tuple[list[int], list[int], list[int]]:
    """CSAT, CES and NPS scores of the period from one ``GROUP BY`` (at most 6x8x12 rows)."""
    rows = session.execute(
        select(SurveyAnswer.csat, SurveyAnswer.ces, SurveyAnswer.nps, func.count())
        .select_from(SurveyAnswer)
        .join(SurveyInvitation, SurveyInvitation.id == SurveyAnswer.invitation_id)
        .where(*conds)
        .group_by(SurveyAnswer.csat, SurveyAnswer.ces, SurveyAnswer.nps)
    ).all()
    csat: list[int] = []
    ces: list[int] = []
    nps: list[int] = []
    for c, e, p, n in rows:
        for target, score in ((csat, c), (ces, e), (nps, p)):
            if score is not None:
                target.extend(repeat(int(score), int(n)))
    return csat, ces, nps


def _reason_counts(session: Session, conds: list[ColumnElement[bool]]) -> Counter[str]:
    """How often each reason code was chosen, unnested inside the database."""
    joined = (
        select(SurveyAnswer.reasons)
        .join(SurveyInvitation, SurveyInvitation.id == SurveyAnswer.invitation_id)
        .where(*conds)
    )
    stmt: Select[Any]
    if session.get_bind().dialect.name == "postgresql":
        element = func.json_array_elements_text(SurveyAnswer.reasons).label("reason")
        inner = joined.with_only_columns(element).subquery()
        stmt = select(inner.c.reason, func.count()).group_by(inner.c.reason)
    else:  # SQLite: json_each is a table-valued function joined to each row
        each = func.json_each(SurveyAnswer.reasons).table_valued("value")
        stmt = (
            joined.with_only_columns(each.c.value, func.count())
            .join(each, true())
            .group_by(each.c.value)
        )
    return Counter({str(row[0]): int(row[1]) for row in session.execute(stmt).all()})


def survey_stats(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    kind: SurveyKind | None = None,
    now: datetime | None = None,
) -> SurveyStats:
    conds = _period(since, until, kind)
    by_status = dict(
        session.execute(
            select(SurveyInvitation.status, func.count())
            .where(*conds)
            .group_by(SurveyInvitation.status)
        ).all()
    )
    answered = int(by_status.get(InvitationStatus.ANSWERED, 0))
    sent = int(by_status.get(InvitationStatus.QUEUED, 0)) + answered
    skip_reasons = {
        str(reason): int(n)
        for reason, n in session.execute(
            select(SurveyInvitation.skip_reason, func.count())
            .where(SurveyInvitation.status == InvitationStatus.SKIPPED, *conds)
            .group_by(SurveyInvitation.skip_reason)
        ).all()
    }
    reasons = _reason_counts(session, conds)
    csat, ces, nps = _score_lists(session, conds)
    open_n, overdue_n = followups.counts(session, now=now)
    return SurveyStats(
        since=since,
        until=until,
        kind=str(kind) if kind is not None else None,
        sent=sent,
        answered=answered,
        skipped=sum(skip_reasons.values()),
        skip_reasons=skip_reasons,
        response_rate=metrics.response_rate(answered, sent),
        csat=metrics.csat(csat),
        ces=metrics.ces(ces),
        nps=metrics.nps(nps),
        reasons=dict(reasons.most_common()),
        follow_ups_open=open_n,
        follow_ups_overdue=overdue_n,
    )
