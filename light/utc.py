"""Light's one clock reading: naive UTC datetimes, as every DateTime column stores them."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def from_unix(unix: int | None) -> datetime | None:
    """Stripe's unix timestamps, as Light stores times."""
    return None if unix is None else datetime.fromtimestamp(unix, timezone.utc).replace(tzinfo=None)
