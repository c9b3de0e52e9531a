"""Billing periods of a contract. Pure: no Flask, no database.

Periods are anchored on the start date's day of the month: a contract starting on 31 January
bills on 28 (or 29) February, 31 March, 30 April, 31 May… The anchor never drifts, because every
period start is computed from the contract's start date, not from the previous period.
A period ends the day before the next one starts (or on the contract's end date, if sooner);
periods are billed in advance, on their first day, and a period that starts after the end date
doesn't exist.
"""
import calendar
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
FREQUENCY_LABELS = {"monthly": "Monthly", "quarterly": "Quarterly", "yearly": "Yearly"}


@dataclass(frozen=True)
class Period:
    index: int  # 0 for the first period
    start: date
    end: date


def add_months(anchor: date, months: int) -> date:
    """`anchor` moved by whole months, the day clamped to the month's length."""
    month_index = anchor.month - 1 + months
    year, month = anchor.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def period_start(start: date, frequency: str, index: int) -> date:
    return add_months(start, MONTHS[frequency] * index)


def period(start: date, frequency: str, index: int, end_date: date | None = None) -> Period | None:
    try:
        first = period_start(start, frequency, index)
    except ValueError:  # past year 9999: the calendar (and the contract) ends there
        return None
    if end_date is not None and first > end_date:
        return None
    try:
        last = period_start(start, frequency, index + 1) - timedelta(days=1)
    except ValueError:
        last = date.max
    if end_date is not None and last > end_date:
        last = end_date
    return Period(index, first, last)


def due_periods(start: date, frequency: str, today: date, end_date: date | None = None) -> list[Period]:
    """Every period that has started by `today` (billing in advance), oldest first."""
    periods, index = [], 0
    while True:
        current = period(start, frequency, index, end_date)
        if current is None or current.start > today:
            return periods
        periods.append(current)
        index += 1


def upcoming(start: date, frequency: str, today: date, end_date: date | None = None, count: int = 3) -> list[Period]:
    """The next `count` periods that haven't started yet (for the contract page)."""
    found, index = [], len(due_periods(start, frequency, today, end_date))
    while len(found) < count:
        current = period(start, frequency, index, end_date)
        if current is None:
            break
        found.append(current)
        index += 1
    return found


def is_finished(start: date, frequency: str, today: date, end_date: date | None) -> bool:
    """True once every period of a contract with an end date has started (all are billed)."""
    return end_date is not None and period(start, frequency, len(due_periods(start, frequency, today, end_date)),
                                           end_date) is None


def current(start: date, frequency: str, today: date, end_date: date | None = None) -> Period | None:
    """The period `today` falls in (None before the first starts or after the last ends)."""
    started = due_periods(start, frequency, today, end_date)
    return started[-1] if started and started[-1].end >= today else None


def to_bill(due: list[Period], billed_starts, skip_before: date | None) -> list[Period]:
    """The due periods the clock still looks at: those with an invoice already (a draft among them
    is finished), and the rest unless they started before `skip_before`: those fell in a pause,
    and the customer isn't billed for a paused month afterwards."""
    return [p for p in due if p.start in billed_starts or skip_before is None or p.start >= skip_before]
