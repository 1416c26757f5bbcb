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

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

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


def _scores(
    session: Session, column: InstrumentedAttribute[int | None], conds: list[ColumnElement[bool]]
) -> list[int]:
    rows = session.execute(
        select(column, func.count())
        .select_from(SurveyAnswer)
        .join(SurveyInvitation, SurveyInvitation.id == SurveyAnswer.invitation_id)
        .where(column.is_not(None), *conds)
        .group_by(column)
    ).all()
    return [int(s) for score, n in rows if score is not None for s in repeat(score, int(n))]


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
    reasons: Counter[str] = Counter()
    for (chosen,) in session.execute(
        select(SurveyAnswer.reasons)
        .join(SurveyInvitation, SurveyInvitation.id == SurveyAnswer.invitation_id)
        .where(SurveyAnswer.csat.is_not(None), *conds)
    ).all():
        reasons.update(chosen or [])
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
        csat=metrics.csat(_scores(session, SurveyAnswer.csat, conds)),
        ces=metrics.ces(_scores(session, SurveyAnswer.ces, conds)),
        nps=metrics.nps(_scores(session, SurveyAnswer.nps, conds)),
        reasons=dict(reasons.most_common()),
        follow_ups_open=open_n,
        follow_ups_overdue=overdue_n,
    )
