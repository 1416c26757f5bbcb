"""Similar past cases: the resolved tickets most like an open one, and how they ended."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.errors import NotFound
from fairdesk.tickets.models import TicketStatus
from fairdesk.tickets.service import change_status
from fairdesk.triage import service as triage_service
from fairdesk.triage.cases import forget_indexes
from fairdesk.triage.similar import (
    EmbeddingCaseIndex,
    TfidfCaseIndex,
    embeddings_available,
    make_index,
)
from tests.triage.helpers import resolved, write_in


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    forget_indexes()
    yield
    forget_indexes()


def test_the_default_backend_is_tfidf_unless_the_extra_is_installed() -> None:
    index = make_index("auto")
    if embeddings_available():
        assert isinstance(index, EmbeddingCaseIndex)
        index.fit([1, 2], ["parcel lost by courier", "grinder burr broken"])
        assert index.query("my parcel was lost", 1)[0][0] == 1
    else:
        assert isinstance(index, TfidfCaseIndex)
        with pytest.raises(RuntimeError, match="not installed"):
            make_index("embeddings")
    assert isinstance(make_index("tfidf"), TfidfCaseIndex)


def test_pure_index_ranks_retires_and_excludes() -> None:
    index = TfidfCaseIndex().fit(
        [10, 11, 12],
        ["grinder burr cracked", "parcel lost by the courier", "charged twice for a subscription"],
    )
    assert [tid for tid, _ in index.query("the courier lost my parcel", 3)] == [11]
    index.add([11], ["subscription charged twice again"])  # ticket 11 indexed anew
    hits = index.query("charged twice subscription", 5)
    assert [tid for tid, _ in hits][:2] in ([11, 12], [12, 11]) and len(index) == 3
    assert index.query("charged twice subscription", 5, exclude=[12])[0][0] == 11
    assert TfidfCaseIndex().query("anything") == []


def test_similar_cases_come_with_their_resolution(session: Session, agent: StaffUser) -> None:
    grinder = resolved(
        session, agent, "The burr grinder jams and makes a grinding noise after a week",
        answer="We sent a replacement burr set and a prepaid label.", category="defect",
    )  # fmt: skip
    resolved(
        session, agent, "My parcel never arrived, the courier says delivered",
        answer="We re-sent the order by tracked post.", category="delivery",
    )  # fmt: skip
    resolved(
        session, agent, "Charged twice for my monthly subscription",
        answer="Refunded the duplicate payment.", category="billing",
    )  # fmt: skip
    open_ticket = write_in(session, "My grinder jams with a horrible grinding noise").ticket
    found = triage_service.similar_cases(session, open_ticket.id, k=5)
    assert found.backend == ("embeddings" if embeddings_available() else "tfidf")
    assert found.indexed >= 3
    top = found.cases[0]
    assert top.ticket_id == grinder.id and top.category == "defect"
    assert top.resolution == "We sent a replacement burr set and a prepaid label."
    assert top.status == "resolved" and top.resolved_at is not None
    assert open_ticket.id not in {c.ticket_id for c in found.cases}


def test_index_follows_new_resolutions_and_reopenings(session: Session, agent: StaffUser) -> None:
    first = resolved(session, agent, "Kettle lid cracked", answer="Replaced the lid.")
    open_ticket = write_in(session, "Kettle lid is cracked on mine too").ticket
    assert [c.ticket_id for c in triage_service.similar_cases(session, open_ticket.id).cases] == [
        first.id
    ]
    second = resolved(session, agent, "Cracked kettle lid again", answer="New kettle sent.")
    ids = {c.ticket_id for c in triage_service.similar_cases(session, open_ticket.id).cases}
    assert ids == {first.id, second.id}
    change_status(session, ticket=first, actor=agent, status=TicketStatus.OPEN)
    session.flush()
    ids = {c.ticket_id for c in triage_service.similar_cases(session, open_ticket.id).cases}
    assert ids == {second.id}  # a reopened case is not a resolved one


def test_unknown_ticket(session: Session) -> None:
    with pytest.raises(NotFound):
        triage_service.similar_cases(session, 10**9)
