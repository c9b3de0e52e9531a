"""Jinja filters and globals shared by every template."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, g, has_request_context
from flask_login import current_user

from light import __version__, money
from light.invoices.forms import rate_text
from light.invoices.totals import format_quantity
from light.plumbing.crypto import mask_secret
from light.settings.organization import DATE_FORMATS

# The one way Light writes a day and a moment, unless the organization chose another date format
# and time zone (Settings > Organization). Light stores every time as UTC; a moment is shown in the
# organization's zone, named, so "14:05 CET" is never mistaken for UTC.
DATE_FORMAT = "%d %b %Y"  # 02 Dec 2026
DATETIME_FORMAT = "%d %b %Y %H:%M UTC"  # 02 Dec 2026 14:05 UTC


def show_as(organization) -> None:
    """Pages nobody is signed in to (a customer's pay page) write dates their biller's way."""
    g.light_organization = organization


def _organization():
    if not has_request_context():
        return None
    organization = g.get("light_organization")
    if organization is None:
        # Resolved once: each use of the proxy looks the user up again, and every |date asks.
        user = current_user._get_current_object()
        if user is not None and user.is_authenticated:
            organization = user.organization
    return organization


def _date_format() -> str:
    organization = _organization()
    chosen = DATE_FORMATS.get(organization.date_format) if organization else None
    return chosen[0] if chosen else DATE_FORMAT


def _utc(value: datetime) -> datetime:
    """Naive datetimes are UTC already; an aware one is moved to UTC before it is written."""
    return value.astimezone(UTC) if value.tzinfo else value


def format_date(value: date | datetime | None) -> str:
    """`|date`: "02 Dec 2026"; nothing for a missing value, so `x|date or "—"` reads naturally."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _utc(value)
    return value.strftime(_date_format())


def format_datetime(value: datetime | None) -> str:
    """`|datetime`: "02 Dec 2026 14:05 UTC"; nothing for a missing value."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _utc(value)
    organization = _organization()
    zone = organization.time_zone if organization else "UTC"
    if not zone or zone == "UTC":
        return value.strftime(f"{_date_format()} %H:%M UTC")
    local = value.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
    return local.strftime(f"{_date_format()} %H:%M ") + local.tzname()


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
