"""The dashboard's figures, from plain rows. Pure: no Flask, no database.

Every figure is per currency: dollars and euros are never added together, so a total is a list of
(currency, amount) and the template writes each one. Months are the organization's own (its time
zone), while the database keeps UTC: `month_starts` says where each local month begins in UTC, so
the query can bucket payments without any time-zone arithmetic of its own.
"""
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class OpenInvoiceRow:
    """One group of open invoices as the query sums them."""
    status: str
    currency: str
    late: bool  # due before today (the organization's today)
    count: int
    total: int
    paid: int


@dataclass
class Receivable:
    currency: str
    outstanding: int = 0
    open_count: int = 0
    overdue: int = 0
    overdue_count: int = 0


@dataclass(frozen=True)
class Month:
    first_day: date  # the 1st, in the organization's calendar
    starts_at: datetime  # that day's midnight there, as naive UTC (how Light stores times)

    @property
    def label(self) -> str:
        return self.first_day.strftime("%b")


@dataclass
class Received:
    """What came in per month, one currency: `by_month` lines up with the months given."""
    currency: str
    by_month: list[int] = field(default_factory=list)

    @property
    def this_month(self) -> int:
        return self.by_month[-1] if self.by_month else 0


def receivables(rows: list[OpenInvoiceRow]) -> list[Receivable]:
    """What customers owe, per currency (alphabetical), and how much of it is past due."""
    found: dict[str, Receivable] = {}
    for row in rows:
        owed = max(0, row.total - row.paid)
        entry = found.setdefault(row.currency, Receivable(row.currency))
        entry.outstanding += owed
        entry.open_count += row.count
        if row.late or row.status == "overdue":
            entry.overdue += owed
            entry.overdue_count += row.count
    return [found[currency] for currency in sorted(found)]


def status_counts(rows: list[OpenInvoiceRow]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + row.count
    return counts


def local_today(now_utc: datetime, zone: str) -> date:
    return _as_utc(now_utc).astimezone(_zone(zone)).date()


def month_starts(today: date, zone: str, months: int = 6) -> list[Month]:
    """The last `months` months of the organization's calendar, oldest first, ending with
    today's month; each with the UTC moment its first local midnight falls on."""
    year, month = today.year, today.month
    firsts = []
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return [Month(first, _utc_midnight(first, zone)) for first in reversed(firsts)]


def next_month_starts_at(today: date, zone: str) -> datetime:
    """Where today's month ends: the next local month's first midnight, in naive UTC."""
    first = date(today.year + 1, 1, 1) if today.month == 12 else date(today.year, today.month + 1, 1)
    return _utc_midnight(first, zone)


def _utc_midnight(day: date, zone: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=_zone(zone)).astimezone(UTC).replace(tzinfo=None)


def received(rows: list[tuple[str, int, int]], months: list[Month]) -> list[Received]:
    """`rows` are (currency, month index into `months`, amount) as the query sums them; a
    currency with nothing in the window is left out."""
    found: dict[str, Received] = {}
    for currency, index, amount in rows:
        if not 0 <= index < len(months):
            continue
        entry = found.setdefault(currency, Received(currency, [0] * len(months)))
        entry.by_month[index] += amount
    return [found[currency] for currency in sorted(found) if any(found[currency].by_month)]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    amount: int


@dataclass(frozen=True)
class BarChart:
    currency: str
    bars: list[Bar]
    width: int
    height: int
    baseline: float  # y of the axis the bars stand on
    high: int  # the tallest bar's amount (the scale's top)


def bar_chart(series: Received, months: list[Month], width: int = 320, height: int = 120,
              label_room: int = 18) -> BarChart:
    """Bars for one currency's months, scaled to the largest. Refunds can make a month negative;
    such a month draws no bar (the caption and the table under it still say the amount)."""
    high = max([0, *series.by_month])
    slot = width / max(1, len(months))
    bar_width = round(slot * 0.6, 1)
    baseline = float(height - label_room)
    bars = []
    for i, (month, amount) in enumerate(zip(months, series.by_month, strict=True)):
        tall = round(max(0, amount) * (baseline - 4) / high, 1) if high else 0.0
        bars.append(Bar(x=round(i * slot + (slot - bar_width) / 2, 1), y=round(baseline - tall, 1),
                        width=bar_width, height=tall, label=month.label, amount=amount))
    return BarChart(series.currency, bars, width, height, baseline, high)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):  # a zone this machine's tz database doesn't know: fall back to UTC
        return ZoneInfo("UTC")


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
