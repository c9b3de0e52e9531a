from flask_login import login_required

from light.workflows import bp
from light.web import render


@bp.route("/")
@login_required
def index():
    return render("workflows/index.html")
