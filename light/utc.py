"""Light's one clock reading: naive UTC datetimes, as every DateTime column stores them."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
