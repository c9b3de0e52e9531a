"""Record ids from the outside world (URLs, forms, Stripe metadata). Ids are INTEGER columns: a
number beyond their range can't name a record, and PostgreSQL refuses it in a query (a 500), so
every id is checked here before it reaches one."""

MAX_ID = 2**31 - 1


def is_id(value: int) -> bool:
    return 0 < value <= MAX_ID


def parse_id(text) -> int | None:
    """A record id typed or posted by the browser, or None. ASCII digits only: "²".isdigit() is
    True, yet int("²") raises."""
    text = str(text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if is_id(value) else None
