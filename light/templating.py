"""Jinja filters and globals shared by every template."""
from datetime import UTC, date, datetime

from flask import Flask

from light import __version__, money
from light.invoices.forms import rate_text
from light.invoices.totals import format_quantity
from light.plumbing.crypto import mask_secret

# The one way Light writes a day and a moment. Light stores every time as UTC, and says so.
DATE_FORMAT = "%d %b %Y"  # 02 Dec 2026
DATETIME_FORMAT = "%d %b %Y %H:%M UTC"  # 02 Dec 2026 14:05 UTC


def _utc(value: datetime) -> datetime:
    """Naive datetimes are UTC already; an aware one is moved to UTC before it is written."""
    return value.astimezone(UTC) if value.tzinfo else value


def format_date(value: date | datetime | None) -> str:
    """`|date`: "02 Dec 2026"; nothing for a missing value, so `x|date or "—"` reads naturally."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _utc(value)
    return value.strftime(DATE_FORMAT)


def format_datetime(value: datetime | None) -> str:
    """`|datetime`: "02 Dec 2026 14:05 UTC"; nothing for a missing value."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _utc(value)
    return value.strftime(DATETIME_FORMAT)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = money.format_amount
    app.jinja_env.filters["masked"] = mask_secret
    app.jinja_env.filters["quantity"] = format_quantity
    app.jinja_env.filters["rate"] = lambda basis_points: f"{rate_text(basis_points)}%"
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.globals["app_version"] = __version__

    @app.context_processor
    def shell_context():
        return {"stripe_sandbox": app.config.get("STRIPE_SANDBOX", False)}
