from light.extensions import db
from light.utc import utcnow

ACTIVE = ("queued", "running")


class Job(db.Model):
    """One background task. Its id is the RQ job id, so the worker and the page agree on it."""

    __tablename__ = "jobs"
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

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class ClockRun(db.Model):
    """When each periodic task last ran, so a restarted clock neither repeats nor skips it."""

    __tablename__ = "clock_runs"
    name = db.Column(db.String(80), primary_key=True)
    last_run_at = db.Column(db.DateTime, nullable=False)
