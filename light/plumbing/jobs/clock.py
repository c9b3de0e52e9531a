"""Periodic work for the `clock` process: each task of the schedule is enqueued when it is due,
and each job whose worker stopped (its lease expired, see lease.py) is queued again.

Due-ness is recorded in the database, so running two clocks, or restarting one, neither repeats a
task inside its interval nor forgets one after downtime.
"""
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from light.extensions import db
from light.plumbing.jobs import lease
from light.plumbing.jobs.models import ClockRun
from light.plumbing.jobs.queue import enqueue
from light.utc import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    """One line of the schedule (light/schedule.py): `task` is enqueued every `interval_config`
    minutes (a config key)."""

    name: str
    task: Callable[[], str]
    interval_config: str
    description: str
    in_seconds: bool = False  # the config key counts seconds, not minutes (e.g. SALESFORCE_POLL_SECONDS)


def is_due(last_run: datetime | None, now: datetime, minutes: float) -> bool:
    return last_run is None or now - last_run >= timedelta(minutes=minutes)


def tick(now: datetime | None = None, schedule: Sequence[Periodic] | None = None) -> list[str]:
    """Queue again the jobs whose worker stopped, then enqueue each task of `schedule` (the app's,
    from light/schedule.py, by default) that is due. Returns the names of the tasks enqueued."""
    now = now or utcnow()
    lease.recover(now)
    started = []
    for item in current_app.extensions["light_schedule"] if schedule is None else schedule:
        minutes = float(current_app.config.get(item.interval_config, 15)) / (60 if item.in_seconds else 1)
        run = db.session.get(ClockRun, item.name)
        if not is_due(run.last_run_at if run else None, now, minutes):
            continue
        # Claim the slot with a conditional update so two clocks can't both enqueue it.
        if run is None:
            db.session.add(ClockRun(name=item.name, last_run_at=now))
        else:
            claimed = db.session.query(ClockRun).filter(
                ClockRun.name == item.name, ClockRun.last_run_at == run.last_run_at
            ).update({"last_run_at": now}, synchronize_session=False)
            if not claimed:
                db.session.rollback()
                continue
        db.session.commit()
        enqueue(item.task, kind=item.name, description=item.description, organization_id=None,
                active_key=f"clock:{item.name}")
        started.append(item.name)
    return started


def run_forever(poll_seconds: int = 30) -> None:  # pragma: no cover - the loop around tick()
    while True:
        tick()
        time.sleep(poll_seconds)


def init_app(app) -> None:
    """Without Redis (jobs run in threads of the web process) the web process ticks the clock,
    from its first request on: not `flask db upgrade` or other commands."""
    if app.config.get("REDIS_URL") or app.config.get("REDIS_CONNECTION") is not None:
        return
    if not app.config.get("EMBEDDED_CLOCK", True) or app.testing:
        return
    started = threading.Event()

    @app.before_request
    def start_clock():
        if not started.is_set():
            started.set()
            start_embedded(app)


def start_embedded(app, poll_seconds: int = 30, stop: threading.Event | None = None) -> threading.Thread:
    """Without Redis there is no `clock` process: the web process ticks in a thread instead, so
    syncs and contract billing still happen under a bare `make run`. Several web processes may
    each run one; the claim in tick() keeps each task to one run per interval."""

    stop = stop or threading.Event()

    def loop():
        while not stop.is_set():
            with app.app_context():
                try:
                    tick()
                except Exception:  # noqa: BLE001 - a bad tick must not stop the next one
                    log.exception("embedded clock tick failed")
                finally:
                    db.session.remove()
            stop.wait(poll_seconds)

    thread = threading.Thread(target=loop, name="light-clock", daemon=True)
    thread.start()
    return thread
