"""A running job's lease: its worker touches `Job.heartbeat_at` while it runs, and the clock
(clock.tick) hands a job whose worker stopped touching it to the backend again.

A worker killed outright (SIGKILL, an out-of-memory kill, a lost machine) can't say it stopped, so
silence is the signal: a job running without a heartbeat for JOB_LEASE_SECONDS, or queued that long
without being on the queue any more, is queued again from the task and arguments on its row. Tasks
are safe to run twice (they upsert, and a backfill carries on from its cursor), so the rare job
whose worker was only slow runs twice rather than never.
"""
import logging
import os
import threading
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, update

from light.extensions import db
from light.plumbing.jobs.models import ACTIVE, Job
from light.utc import utcnow

log = logging.getLogger(__name__)
DEFAULTS = {"JOB_HEARTBEAT_SECONDS": 15.0, "JOB_LEASE_SECONDS": 60.0, "JOB_MAX_RESTARTS": 20.0}
RESTARTED = "Restarted after the worker stopped"
GAVE_UP = "Stopped: its worker stopped {n} times while running it. Try again; Light's logs say more."
ORPHANED = "Stopped when its worker stopped."


def setting(name: str) -> float:
    """From the app's config, else LIGHT_<name> in the environment (the worker builds its app from
    the environment), else the default."""
    value = current_app.config.get(name) or os.environ.get(f"LIGHT_{name}")
    return float(value) if value else DEFAULTS[name]


class Heartbeat:
    """Touches the job's row every JOB_HEARTBEAT_SECONDS from a thread, on a connection of its own,
    while the task runs (a task stuck in one long call still shows its worker is alive)."""

    def __init__(self, job_id: str, submission: int):
        self.job_id, self.submission = job_id, submission
        self.engine, self.seconds = db.engine, setting("JOB_HEARTBEAT_SECONDS")
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()

    def _loop(self) -> None:
        while not self.stopped.wait(self.seconds):
            try:
                with self.engine.begin() as conn:
                    conn.execute(update(Job.__table__).where(
                        Job.id == self.job_id, Job.status == "running", Job.submissions == self.submission,
                    ).values(heartbeat_at=utcnow()))
            except Exception:  # noqa: BLE001 - a missed beat is retried; the lease is several beats long
                log.warning("heartbeat of job %s failed", self.job_id, exc_info=True)


def recover(now: datetime | None = None, limit: int = 100) -> list[str]:
    """Queue again each job whose worker stopped; returns their ids. Called by clock.tick()."""
    now = now or utcnow()
    expired = now - timedelta(seconds=setting("JOB_LEASE_SECONDS"))
    backend = current_app.extensions["light_jobs"]
    stale = Job.query.filter(Job.status.in_(ACTIVE),
                             func.coalesce(Job.heartbeat_at, Job.created_at) < expired).limit(limit).all()
    recovered = []
    for job in stale:
        if job.status == "queued" and backend.is_waiting(job.rq_id):
            continue  # still on the queue, behind other work
        if _restart(job, now):
            recovered.append(job.id)
    return recovered


def _restart(job: Job, now: datetime) -> bool:
    """Claim the stale job (a second clock finds it claimed) and submit it again, or give up on it."""
    restarts = job.restarts + 1
    gave_up = job.task is None or restarts > setting("JOB_MAX_RESTARTS")
    values = {"heartbeat_at": now, "restarts": restarts}
    if gave_up:
        message = ORPHANED if job.task is None else GAVE_UP.format(n=job.restarts)
        values.update(status="failed", finished_at=now, active_key=None, message=message,
                      error=f"abandoned by its worker {restarts} times")
    else:
        values.update(status="queued", submissions=job.submissions + 1, message=RESTARTED)
    claimed = db.session.query(Job).filter(
        Job.id == job.id, Job.status == job.status, Job.submissions == job.submissions,
    ).update(values, synchronize_session=False)
    db.session.commit()
    if not claimed:
        return False
    db.session.refresh(job)
    log.warning("job %s (%s): its worker stopped; %s", job.id, job.task, "gave up" if gave_up else "queued again")
    if not gave_up:
        current_app.extensions["light_jobs"].submit(job.id, job.task, job.args or [], rq_id=job.rq_id)
    return True
