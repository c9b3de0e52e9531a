"""The one place that starts background work.

With REDIS_URL, jobs go to RQ and a `worker` process runs them. Without it (the embedded default),
each job runs in a thread of the web process, so a bare `make run` still works.
"""
import threading
import uuid
from collections.abc import Callable

from flask import current_app
from redis import Redis
from rq import Queue
from sqlalchemy.exc import IntegrityError

from light.extensions import db
from light.plumbing.jobs.models import Job
from light.plumbing.jobs.runner import run


class RQBackend:
    def __init__(self, connection, queue_name: str):
        self.queue = Queue(queue_name, connection=connection)

    def submit(self, job_id: str, task: str, args, rq_id: str | None = None) -> None:
        self.queue.enqueue(run, job_id, task, list(args), job_id=rq_id or job_id,
                           job_timeout=6 * 3600, result_ttl=3600, failure_ttl=7 * 24 * 3600)

    def is_waiting(self, rq_id: str) -> bool:
        """Still on the queue (not yet taken by a worker)."""
        return self.queue.connection.lpos(self.queue.key, rq_id) is not None

    def ping(self) -> bool:
        return bool(self.queue.connection.ping())


class ThreadBackend:
    def __init__(self, app):
        self.app = app

    def submit(self, job_id: str, task: str, args, rq_id: str | None = None) -> None:
        def target():
            with self.app.app_context():
                run(job_id, task, list(args))

        threading.Thread(target=target, name=f"job-{rq_id or job_id}", daemon=True).start()

    def is_waiting(self, rq_id: str) -> bool:
        return False  # a thread starts at once: a job queued for a whole lease lost its process

    def ping(self) -> None:
        return None  # no Redis to check


def init_jobs(app) -> None:
    connection = app.config.get("REDIS_CONNECTION")
    if connection is None and app.config.get("REDIS_URL"):
        connection = Redis.from_url(app.config["REDIS_URL"])
    if connection is not None:
        app.extensions["light_jobs"] = RQBackend(connection, app.config["RQ_QUEUE"])
        return
    app.extensions["light_jobs"] = ThreadBackend(app)


def enqueue(task: Callable, *args, kind: str, description: str, organization_id: int | None,
            active_key: str | None = None, coalesce: bool = False) -> Job:
    """Start `task` (a module-level function taking plain values) with `args` in the background.

    With an active_key, a job already queued or running for the same key is returned instead of
    starting a second one. With `coalesce` too, that job is also asked to run once more when it is
    done (unless it has not started yet): a burst of requests while it runs makes ONE follow-up.
    """
    path = task_path(task)
    for _ in range(3):
        job = Job(id=uuid.uuid4().hex, organization_id=organization_id, kind=kind, description=description,
                  active_key=active_key, task=path, args=list(args))
        db.session.add(job)
        try:
            db.session.commit()
            break
        except IntegrityError:
            db.session.rollback()
            existing = active_job(active_key)
            if existing is not None and (not coalesce or _ask_again(existing)):
                return existing
            # The active job finished between our insert and this look-up: try again.
    else:
        raise RuntimeError(f"could not start a job for {active_key!r}")
    current_app.extensions["light_jobs"].submit(job.id, path, args)
    return job


def _ask_again(job: Job) -> bool:
    """Flag the active job to run once more; False if it finished meanwhile (start a new one)."""
    if job.status == "queued" and not job.rerun:
        return True  # it will see everything there is when it starts
    flagged = db.session.query(Job).filter(Job.id == job.id, Job.active_key == job.active_key).update(
        {"rerun": True}, synchronize_session=False)
    db.session.commit()
    return bool(flagged)


def task_path(task: Callable) -> str:
    """The dotted path a worker imports the task by (RQ passes strings, not functions)."""
    path = f"{task.__module__}.{task.__qualname__}"
    if "<" in path or "." in task.__qualname__:
        raise ValueError(f"{path} is not a module-level function, so a worker could not import it")
    return path


def active_job(active_key: str) -> Job | None:
    return Job.query.filter_by(active_key=active_key).first()
