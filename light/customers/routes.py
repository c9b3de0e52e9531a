from flask_login import login_required

from light.customers import bp
from light.web import render


@bp.route("/")
@login_required
def index():
    return render("customers/index.html")
