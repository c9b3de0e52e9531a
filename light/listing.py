"""What a list page (Sales Invoices, customers, Contracts) was asked for, read from its query
string. Pure: no Flask, no database.

The query string is the list's state: a search can be bookmarked, shared and restored by Back.
So it is read leniently where a stale link is harmless (an unknown sort or status is ignored and
the default used) and strictly where ignoring would mislead (a date or an amount that can't be
read is refused with a message next to its field, and that filter is not applied). `params` is the
canonical form: only what differs from the defaults, in the spec's order, so the URL stays short.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from light.numbers import NumberError, read_decimal

MAX_SEARCH = 100  # characters; nobody types a longer search, and a longer one is cut, not refused
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool

    @property
    def value(self) -> str:
        return ("-" if self.descending else "") + self.key


@dataclass(frozen=True)
class ListSpec:
    sorts: tuple[str, ...]
    default_sort: str  # "-created": newest first
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # e.g. status -> allowed values
    days: tuple[str, ...] = ()  # date filters, "YYYY-MM-DD"
    amounts: tuple[str, ...] = ()  # amount filters, plain decimals
    # Ranges that must not be upside down: (low field, high field, message).
    ranges: tuple[tuple[str, str, str], ...] = ()
    descending_first: frozenset = frozenset()  # keys a header link sorts largest/newest first


@dataclass
class Criteria:
    spec: ListSpec
    q: str = ""
    sort: Sort | None = None
    page: int = 1
    choices: dict[str, str] = field(default_factory=dict)
    days: dict[str, date] = field(default_factory=dict)
    amounts: dict[str, Decimal] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)  # what was typed, to show back in the form
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.choices or self.days or self.amounts)

    def params(self, **changes) -> dict[str, str]:
        """The query string of this list (with `changes`), leaving out defaults and blanks. A
        change of search or sort goes back to page 1 unless a page is given."""
        values = {"q": self.q, **self.choices,
                  **{name: day.isoformat() for name, day in self.days.items()},
                  **{name: str(amount) for name, amount in self.amounts.items()},
                  "sort": self.sort.value if self.sort else "", "page": str(self.page)}
        if changes and "page" not in changes:
            values["page"] = "1"
        values.update({k: "" if v is None else str(v) for k, v in changes.items()})
        defaults = {"sort": self.spec.default_sort, "page": "1"}
        order = ["q", *self.spec.choices, *self.spec.days, *self.spec.amounts, "sort", "page"]
        return {k: values[k] for k in order if values.get(k) and values[k] != defaults.get(k)}

    def sort_link(self, key: str) -> str:
        """The sort a column header's link asks for: the other direction if the list is sorted by
        this column already, else the column's natural first direction."""
        if self.sort and self.sort.key == key:
            return Sort(key, not self.sort.descending).value
        return Sort(key, key in self.spec.descending_first).value

    def aria_sort(self, key: str) -> str | None:
        if not self.sort or self.sort.key != key:
            return None
        return "descending" if self.sort.descending else "ascending"


def read(args, spec: ListSpec) -> Criteria:
    """`args`: any mapping of the query string's first values (request.args)."""
    criteria = Criteria(spec=spec, q=parse_search(args.get("q")),
                        sort=parse_sort(args.get("sort"), spec.sorts, spec.default_sort),
                        page=parse_page(args.get("page")))
    for name, allowed in spec.choices.items():
        value = (args.get(name) or "").strip()
        if value in allowed:
            criteria.choices[name] = value
    for name in spec.days:
        _read_into(criteria, name, args.get(name), parse_day, criteria.days)
    for name in spec.amounts:
        _read_into(criteria, name, args.get(name), parse_amount, criteria.amounts)
    for low, high, message in spec.ranges:
        bounds = criteria.days if low in criteria.days else criteria.amounts
        if low in bounds and high in bounds and bounds[low] > bounds[high]:
            criteria.errors[high] = message
            del bounds[high]
    return criteria


def _read_into(criteria: Criteria, name: str, raw, parse, into: dict) -> None:
    text = (raw or "").strip()[:40]
    if not text:
        return
    criteria.typed[name] = text
    try:
        into[name] = parse(text)
    except ValueError as error:
        criteria.errors[name] = str(error)


def parse_sort(raw, allowed, default: str) -> Sort:
    text = (raw or "").strip()
    descending = text.startswith("-")
    key = text[1:] if descending else text
    if key in allowed:
        return Sort(key, descending)
    descending = default.startswith("-")
    return Sort(default.lstrip("-"), descending)


def parse_search(raw) -> str:
    """Runs of spaces are one space; control characters are dropped."""
    text = "".join(ch for ch in (raw or "") if ch.isprintable() or ch.isspace())
    return " ".join(text.split())[:MAX_SEARCH]


def parse_page(raw) -> int:
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return 1
    return min(max(1, int(text)), MAX_PAGE)


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text) if len(text) == 10 else _not_a_day(text)
    except ValueError:
        return _not_a_day(text)


def _not_a_day(text: str):
    raise ValueError(f"Enter a date like 2026-12-31 (\u201c{text}\u201d isn't one).")


def parse_amount(text: str) -> Decimal:
    try:
        value = read_decimal(text, example="120.00")
    except NumberError as error:
        raise ValueError(str(error)) from None
    if value < 0:
        raise ValueError("Enter an amount of zero or more.")
    return value


def minor_bound(amount: Decimal, places: int, *, upper: bool) -> int:
    """An amount typed as a bound, in minor units of a currency with `places` decimals: a lower
    bound rounds up and an upper one down, so "at least 10.5" never admits a JPY 10 invoice."""
    return int(amount.scaleb(places).to_integral_value(ROUND_FLOOR if upper else ROUND_CEILING))
