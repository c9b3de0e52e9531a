"""Light's one clock reading: naive UTC datetimes, as every DateTime column stores them."""
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def from_unix(unix: int | None) -> datetime | None:
    """Stripe's unix timestamps, as Light stores times."""
    return None if unix is None else datetime.fromtimestamp(unix, UTC).replace(tzinfo=None)
