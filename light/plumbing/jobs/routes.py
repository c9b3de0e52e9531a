from flask_login import login_required

from light.plumbing.jobs import bp
from light.plumbing.jobs.models import Job
from light.web import get_scoped_or_404, render


@bp.route("/<job_id>")
@login_required
def progress(job_id):
    job = get_scoped_or_404(Job, job_id)
    return render("jobs/progress.html", "jobs/_progress.html", job=job)
