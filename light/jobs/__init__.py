from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

from light.jobs import routes  # noqa: E402,F401
from light.jobs.queue import enqueue  # noqa: E402,F401
from light.jobs.runner import report_progress  # noqa: E402,F401
