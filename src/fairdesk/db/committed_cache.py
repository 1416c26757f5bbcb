"""Per-process cache of small configuration tables that every intake reads.

SLA policies and webhook subscriptions change a few times a year but were read on every new
ticket (a statement each). ``CommittedCache`` keeps what a loader built from them, per
database, and keeps it honest:

* **a commit that changed a watched model drops the cache in this process at once** (ORM
  adds, changes and deletes, and ``update()``/``delete()`` statements on the model, noticed
  at flush/execute and acted on at commit; a rollback forgets them);
* a session that has changed a watched model and not committed yet reads the database, never
  the cache, and never fills it: uncommitted rows (a policy added then rolled back) are
  never cached for others;
* a change made by another process (the other uvicorn worker, the CLI) is seen within
  ``ttl_s`` seconds, when the entry is re-read.

Entries are keyed by the session's bind (engine or connection), so two databases in one
process never share one.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

T = TypeVar("T")

_CHANGED = "fairdesk.committed_cache.changed"  # session.info key: caches this session dirtied
_caches: list[CommittedCache[Any]] = []


class CommittedCache(Generic[T]):
    """``load(session)`` for ``models``' committed rows, reused for ``ttl_s`` seconds."""

    def __init__(
        self, models: tuple[type[Any], ...], load: Callable[[Session], T], ttl_s: float = 5.0
    ) -> None:
        self.models = models
        self.load = load
        self.ttl_s = ttl_s
        self.clock: Callable[[], float] = time.monotonic  # replaceable in tests
        self._entries: weakref.WeakKeyDictionary[Any, tuple[float, T]] = weakref.WeakKeyDictionary()
        self._generation = 0  # bumped by every invalidation: a load racing one is not kept
        self._lock = threading.Lock()
        _caches.append(self)

    def get(self, session: Session) -> T:
        if self in session.info.get(_CHANGED, ()):
            return self.load(session)  # this session's own uncommitted view
        bind = session.get_bind()
        now = self.clock()
        entry = self._entries.get(bind)
        if entry is not None and entry[0] > now:
            return entry[1]
        generation = self._generation
        value = self.load(session)
        with self._lock:
            if generation == self._generation:
                self._entries[bind] = (now + self.ttl_s, value)
        return value

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def watches(self, obj: object) -> bool:
        return isinstance(obj, self.models)


def _mark(session: Session, cache: CommittedCache[Any]) -> None:
    session.info.setdefault(_CHANGED, set()).add(cache)


@event.listens_for(Session, "after_flush")
def _noticed_flush(session: Session, _context: Any) -> None:
    changed = [*session.new, *session.dirty, *session.deleted]
    for cache in _caches:
        if any(cache.watches(obj) for obj in changed):
            _mark(session, cache)


@event.listens_for(Session, "do_orm_execute")
def _noticed_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    if mapper is None:
        return
    for cache in _caches:
        if issubclass(mapper.class_, cache.models):
            _mark(state.session, cache)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for cache in session.info.pop(_CHANGED, ()):
        cache.invalidate()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_CHANGED, None)
