"""Jinja filters and globals shared by every template."""
from flask import Flask

from light import __version__, money
from light.invoices.forms import rate_text
from light.invoices.totals import format_quantity
from light.plumbing.crypto import mask_secret


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = money.format_amount
    app.jinja_env.filters["masked"] = mask_secret
    app.jinja_env.filters["quantity"] = format_quantity
    app.jinja_env.filters["rate"] = lambda basis_points: f"{rate_text(basis_points)}%"
    app.jinja_env.globals["app_version"] = __version__

    @app.context_processor
    def shell_context():
        return {"stripe_sandbox": app.config.get("STRIPE_SANDBOX", False)}
