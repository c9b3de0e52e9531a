"""The reconciliation view's aggregates (the match-state counts, the chart's daily sums), kept
between requests until the bank feed is written again.

Both read every line of the account (100,000 rows: most of a request's time), yet change only
when a sync, the matching engine or a person writes the feed. So each web process keeps them in
memory under a *generation*: a token in Redis that any commit which wrote `bank_transactions`
or `bank_accounts` replaces, from whichever process wrote (a worker's sync, a web request's
Accept). A reader asks Redis for the token (one GET) and recomputes when it changed. Tokens are
random, never a counter, so a Redis emptied or replaced can't bring an old generation back.

Writes are seen in the ORM's own events, whatever form they take: objects flushed, and the
INSERT/UPDATE/DELETE statements run through the session (the sync's upsert, the engine's
compare-and-set). A session that wrote and has not committed reads afresh, so it sees its writes.
Without Redis (the embedded mode), or when Redis doesn't answer, nothing is kept: every request
computes, as before. Entries also expire after MAX_AGE seconds, which bounds how long a write made
some other way (SQL by hand, a bump lost to a Redis outage) could go unseen.
"""
import logging
import threading
import time
import uuid
from collections import OrderedDict

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
GENERATION_KEY = "light:bank-view:generation"
TABLES = frozenset({"bank_transactions", "bank_accounts"})
WROTE = "light_bank_view_wrote"
MAX_ENTRIES = 512
MAX_AGE = 300.0


class _Entries:
    """One web process's entries, least recently used dropped first."""

    def __init__(self):
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()


def _redis():
    if not has_app_context():
        return None
    backend = current_app.extensions.get("light_jobs")
    queue = getattr(backend, "queue", None)
    return queue.connection if queue is not None else None


def _generation(redis) -> bytes:
    token = redis.get(GENERATION_KEY)
    if token is None:  # a fresh Redis: start a generation nobody can have kept entries for
        redis.set(GENERATION_KEY, uuid.uuid4().hex, nx=True)
        token = redis.get(GENERATION_KEY)
    return token


def cached(session, key: tuple, compute):
    """`compute()` for `key`, kept until the next write to the feed (by any process)."""
    redis = _redis()
    if redis is None or session.info.get(WROTE):
        return compute()
    try:
        generation = _generation(redis)
    except Exception:  # noqa: BLE001 - no Redis, no keeping: the page still shows, computed
        log.warning("bank view cache: Redis did not answer", exc_info=True)
        return compute()
    entries = current_app.extensions.setdefault("light_bank_view_cache", _Entries())
    full_key, now = (*key, generation), time.monotonic()
    with entries.lock:
        found = entries.items.get(full_key)
        if found is not None and now - found[1] < MAX_AGE:
            entries.items.move_to_end(full_key)
            return found[0]
    value = compute()
    with entries.lock:
        entries.items[full_key] = (value, now)
        entries.items.move_to_end(full_key)
        while len(entries.items) > MAX_ENTRIES:
            entries.items.popitem(last=False)
    return value


def _writes_the_feed(statement) -> bool:
    table = getattr(statement, "table", None)
    return getattr(table, "name", None) in TABLES


@event.listens_for(Session, "do_orm_execute")
def _statement(state) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and _writes_the_feed(state.statement):
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_flush")
def _flushed(session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", None) in TABLES:
            session.info[WROTE] = True
            return


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    # A rolled-back write leaves the mark: the next commit bumps once too many, which costs one
    # recomputation and can't show anything stale.
    if session.info.pop(WROTE, False):
        redis = _redis()
        if redis is not None:
            try:
                redis.set(GENERATION_KEY, uuid.uuid4().hex)
            except Exception:  # noqa: BLE001 - the write is committed; MAX_AGE bounds what is kept
                log.warning("bank view cache: could not start a new generation", exc_info=True)
