"""Runs one job: the same code path for the RQ worker and the in-process thread."""
import contextvars
import importlib
import logging
import traceback
from dataclasses import dataclass

from flask import current_app, has_app_context

from light import create_app
from light.errors import Refused
from light.extensions import db
from light.plumbing.jobs.lease import Heartbeat
from light.plumbing.jobs.models import Job
from light.utc import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Running:
    job_id: str
    restarts: int


_current_job: contextvars.ContextVar[_Running | None] = contextvars.ContextVar("light_job", default=None)
_worker_app = None
GENERIC_FAILURE = "An unexpected error stopped it. Try again; if it keeps failing, Light's logs say why."
AGAIN = "Running again: more arrived while it ran"


def _app():
    # The `rq worker` process has no Flask app of its own: build one once per process.
    global _worker_app
    if _worker_app is None:
        _worker_app = create_app()
    return _worker_app


def run(job_id: str, task: str, args: list):
    if has_app_context():
        return _run(job_id, task, args)
    with _app().app_context():
        return _run(job_id, task, args)


def _claim(job_id: str) -> Job | None:
    """Queued -> running, atomically: a job submitted twice (a slow worker the clock took for dead,
    a follow-up run) runs once at a time, and a finished one never again."""
    now = utcnow()
    claimed = db.session.query(Job).filter(Job.id == job_id, Job.status == "queued").update(
        {"status": "running", "started_at": now, "heartbeat_at": now, "rerun": False}, synchronize_session=False)
    db.session.commit()
    job = db.session.get(Job, job_id)
    if job is None:
        log.warning("job %s vanished before it ran", job_id)
    elif not claimed:
        log.info("job %s is %s, not queued: not run again", job_id, job.status)
    return job if claimed else None


def _run(job_id: str, task: str, args: list):
    job = _claim(job_id)
    if job is None:
        return None
    token = _current_job.set(_Running(job_id, job.restarts))
    try:
        with Heartbeat(job_id, job.submissions):
            module_name, _, func_name = task.rpartition(".")
            result = getattr(importlib.import_module(module_name), func_name)(*args)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job, then re-raised
        _failed(job_id, task, exc)
        if current_app.config.get("JOBS_RERAISE"):
            raise
        return None
    finally:
        _current_job.reset(token)
    _finished(job_id, result)
    return result


def _failed(job_id: str, task: str, exc: Exception) -> None:
    db.session.rollback()
    job = db.session.get(Job, job_id)
    job.status, job.finished_at, job.active_key = "failed", utcnow(), None
    # The error (which may name tables or hosts) is for operators; people see a message:
    # the domain error's own, when it has one meant for them.
    job.error = f"{type(exc).__name__}: {exc}"[:2000]
    job.message = _noted(exc.message if isinstance(exc, Refused) else GENERIC_FAILURE, job.restarts)
    db.session.commit()
    log.error("job %s (%s) failed:\n%s", job_id, task, traceback.format_exc())


def _finished(job_id: str, result) -> None:
    """Finished, unless more work arrived while it ran (`rerun`): then it is queued once more."""
    job = db.session.get(Job, job_id)
    now = utcnow()
    values = {"status": "finished", "progress": 100, "finished_at": now, "active_key": None, "heartbeat_at": now}
    if isinstance(result, str):
        values["message"] = _noted(result, job.restarts)
    done = db.session.query(Job).filter(Job.id == job_id, Job.rerun.is_(False)).update(
        values, synchronize_session=False)
    db.session.commit()
    if done:
        return
    db.session.query(Job).filter(Job.id == job_id).update(
        {"status": "queued", "rerun": False, "submissions": Job.submissions + 1, "heartbeat_at": now,
         "message": AGAIN}, synchronize_session=False)
    db.session.commit()
    db.session.refresh(job)
    current_app.extensions["light_jobs"].submit(job.id, job.task, job.args or [], rq_id=job.rq_id)


def _noted(message: str, restarts: int) -> str:
    if restarts:
        message = f"{message} (restarted {restarts}× after the worker stopped)"
    return message[:300]


def report_progress(percent: int, message: str | None = None) -> None:
    """Called by a task while it runs; a no-op outside a job (e.g. from the CLI). Also a heartbeat."""
    running = _current_job.get()
    if running is None:
        return
    values = {"progress": max(0, min(99, int(percent))), "heartbeat_at": utcnow()}
    if message:
        values["message"] = _noted(message, running.restarts)
    db.session.query(Job).filter_by(id=running.job_id).update(values)
    db.session.commit()
