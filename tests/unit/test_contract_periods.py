"""Contract periods with plain dates: anchored on the start day, across month ends and leap years."""
from datetime import date

from light.contracts.periods import add_months, current, due_periods, is_finished, period, to_bill, upcoming


def starts(periods):
    return [p.start for p in periods]


def test_a_contract_starting_on_the_31st_bills_on_the_last_day_of_shorter_months():
    got = starts(due_periods(date(2025, 1, 31), "monthly", date(2025, 5, 31)))
    assert got == [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30), date(2025, 5, 31)]


def test_february_has_29_days_in_a_leap_year():
    got = starts(due_periods(date(2024, 1, 31), "monthly", date(2024, 3, 31)))
    assert got == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]


def test_the_anchor_does_not_drift_after_a_short_month():
    assert period(date(2025, 1, 30), "monthly", 2).start == date(2025, 3, 30)  # not 28 Mar


def test_a_yearly_contract_starting_on_29_february_bills_on_28_february_then_29_again():
    got = starts(due_periods(date(2024, 2, 29), "yearly", date(2028, 3, 1)))
    assert got == [date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)]


def test_quarterly_periods_end_the_day_before_the_next_starts():
    first, second = due_periods(date(2025, 11, 30), "quarterly", date(2026, 3, 1))
    assert (first.start, first.end) == (date(2025, 11, 30), date(2026, 2, 27))
    assert (second.start, second.end) == (date(2026, 2, 28), date(2026, 5, 29))


def test_a_period_is_due_on_its_first_day_not_before():
    assert starts(due_periods(date(2025, 1, 15), "monthly", date(2025, 2, 14))) == [date(2025, 1, 15)]
    assert len(due_periods(date(2025, 1, 15), "monthly", date(2025, 2, 15))) == 2
    assert due_periods(date(2025, 1, 15), "monthly", date(2025, 1, 14)) == []


def test_the_end_date_cuts_the_last_period_and_no_period_starts_after_it():
    got = due_periods(date(2025, 1, 1), "monthly", date(2026, 1, 1), end_date=date(2025, 3, 15))
    assert starts(got) == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    assert got[-1].end == date(2025, 3, 15)
    assert is_finished(date(2025, 1, 1), "monthly", date(2025, 3, 1), date(2025, 3, 15))
    assert not is_finished(date(2025, 1, 1), "monthly", date(2025, 2, 28), date(2025, 3, 15))


def test_a_late_run_after_downtime_sees_every_missed_period():
    assert len(due_periods(date(2025, 1, 31), "monthly", date(2025, 12, 31))) == 12


def test_upcoming_lists_the_next_periods():
    assert starts(upcoming(date(2025, 1, 31), "monthly", date(2025, 2, 1), count=2)) == [date(2025, 2, 28),
                                                                                          date(2025, 3, 31)]


def test_add_months_crosses_years_both_ways():
    assert add_months(date(2025, 12, 31), 2) == date(2026, 2, 28)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)


def test_periods_stop_at_the_end_of_the_calendar_instead_of_raising():
    start = date(9999, 11, 1)
    assert starts(upcoming(start, "monthly", date(2030, 1, 1))) == [date(9999, 11, 1), date(9999, 12, 1)]
    assert period(start, "monthly", 1).end == date.max
    assert period(start, "yearly", 1) is None


def test_the_current_period_is_the_one_today_falls_in():
    assert current(date(2026, 1, 10), "monthly", date(2026, 2, 9)).start == date(2026, 1, 10)
    assert current(date(2026, 1, 10), "monthly", date(2026, 2, 10)).start == date(2026, 2, 10)
    assert current(date(2026, 1, 10), "monthly", date(2026, 1, 9)) is None  # not started yet
    assert current(date(2026, 1, 10), "monthly", date(2026, 3, 1), end_date=date(2026, 1, 31)) is None  # over


def test_a_pause_skips_the_unbilled_periods_before_the_resume_but_keeps_drafts_to_finish():
    due = due_periods(date(2026, 1, 10), "monthly", date(2026, 4, 10))
    starts = [p.start for p in to_bill(due, {date(2026, 1, 10)}, date(2026, 3, 20))]
    assert starts == [date(2026, 1, 10), date(2026, 4, 10)]
    assert [p.start for p in to_bill(due, set(), None)] == [p.start for p in due]
    assert [p.start for p in to_bill(due, {date(2026, 2, 10)}, date(2026, 3, 20))] == [date(2026, 2, 10),
                                                                                         date(2026, 4, 10)]
