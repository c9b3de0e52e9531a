from light.extensions import db
from light.utc import utcnow

ACTIVE = ("queued", "running")


class Job(db.Model):
    """One background task. Its id is the RQ job id (with `-<n>` after the first submission), so the
    worker and the page agree on it.

    A running job holds a lease: its worker touches `heartbeat_at` while it runs, and the clock
    (light/plumbing/jobs/lease.py) queues a job whose worker stopped touching it again, from the
    `task` and `args` recorded here."""

    __tablename__ = "jobs"
    __table_args__ = (db.Index("ix_jobs_status_heartbeat", "status", "heartbeat_at"),)
    id = db.Column(db.String(64), primary_key=True)
    organization_id = db.Column(db.Integer, db.ForeignKey("organizations.id"), index=True)
    kind = db.Column(db.String(60), nullable=False)
    description = db.Column(db.String(200), nullable=False)
    status = db.Column(db.String(16), nullable=False, default="queued")
    progress = db.Column(db.Integer, nullable=False, default=0)
    message = db.Column(db.String(300))
    error = db.Column(db.Text)
    # Set while queued or running and cleared when done: the unique index refuses a second
    # active job for the same thing (e.g. two "Sync now" clicks), even across processes.
    active_key = db.Column(db.String(255), unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    started_at = db.Column(db.DateTime)
    finished_at = db.Column(db.DateTime)
    # What the worker runs (a dotted path and its plain arguments), so the job can be run again.
    task = db.Column(db.String(255))
    args = db.Column(db.JSON)
    heartbeat_at = db.Column(db.DateTime)
    # How many times it was handed to the backend again (after a dead worker, or to run once more).
    submissions = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    restarts = db.Column(db.Integer, nullable=False, default=0, server_default="0")  # after a dead worker
    # "Run once more when done": more work arrived while it ran (see queue.enqueue(coalesce=True)).
    rerun = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def rq_id(self) -> str:
        """The id of its current submission at the backend."""
        return self.id if not self.submissions else f"{self.id}-{self.submissions}"


class ClockRun(db.Model):
    """When each periodic task last ran, so a restarted clock neither repeats nor skips it."""

    __tablename__ = "clock_runs"
    name = db.Column(db.String(80), primary_key=True)
    last_run_at = db.Column(db.DateTime, nullable=False)
