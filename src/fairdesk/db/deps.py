"""The request's unit of work: one session, committed once or rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session


def get_session(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": commit when the endpoint returns, *before* the response is sent. With
# the default ("request") FastAPI runs the commit after sending, and a crash in between
# would lose a ticket the customer was already told was received (DESIGN rule 1).
DbSession = Annotated[Session, Depends(get_session, scope="function")]
