"""Light's one clock reading: naive UTC datetimes, as every DateTime column stores them."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def from_unix(unix: int | None) -> datetime | None:
    """Stripe's unix timestamps, as Light stores times."""
    return None if unix is None else datetime.fromtimestamp(unix, UTC).replace(tzinfo=None)


def today_in(zone: str | None) -> date:
    """The calendar day it is now where the organization works (Settings > Organization)."""
    if not zone or zone == "UTC":
        return datetime.now(UTC).date()
    return datetime.now(ZoneInfo(zone)).date()
