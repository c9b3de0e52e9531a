"""Runs one job: the same code path for the RQ worker and the in-process thread."""
import contextvars
import importlib
import logging
import traceback

from flask import current_app, has_app_context

from light import create_app
from light.errors import Refused
from light.extensions import db
from light.plumbing.jobs.models import Job
from light.utc import utcnow

log = logging.getLogger(__name__)
_current_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("light_job", default=None)
_worker_app = None
GENERIC_FAILURE = "An unexpected error stopped it. Try again; if it keeps failing, Light's logs say why."


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


def _run(job_id: str, task: str, args: list):
    job = db.session.get(Job, job_id)
    if job is None:
        log.warning("job %s vanished before it ran", job_id)
        return None
    job.status, job.started_at = "running", utcnow()
    db.session.commit()
    token = _current_job_id.set(job_id)
    try:
        module_name, _, func_name = task.rpartition(".")
        result = getattr(importlib.import_module(module_name), func_name)(*args)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job, then re-raised
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.status, job.finished_at, job.active_key = "failed", utcnow(), None
        # The error (which may name tables or hosts) is for operators; people see a message:
        # the domain error's own, when it has one meant for them.
        job.error = f"{type(exc).__name__}: {exc}"[:2000]
        job.message = (exc.message if isinstance(exc, Refused) else GENERIC_FAILURE)[:300]
        db.session.commit()
        log.error("job %s (%s) failed:\n%s", job_id, task, traceback.format_exc())
        if current_app.config.get("JOBS_RERAISE"):
            raise
        return None
    finally:
        _current_job_id.reset(token)
    job = db.session.get(Job, job_id)
    job.status, job.progress, job.finished_at, job.active_key = "finished", 100, utcnow(), None
    if isinstance(result, str):
        job.message = result[:300]
    db.session.commit()
    return result


def report_progress(percent: int, message: str | None = None) -> None:
    """Called by a task while it runs; a no-op outside a job (e.g. from the CLI)."""
    job_id = _current_job_id.get()
    if job_id is None:
        return
    db.session.query(Job).filter_by(id=job_id).update(
        {"progress": max(0, min(99, int(percent))), **({"message": message[:300]} if message else {})}
    )
    db.session.commit()
