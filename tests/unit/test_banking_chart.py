"""The balance chart and the transaction groups are pure functions of plain data."""
from datetime import date

from light.banking.categories import category_for, label
from light.banking.chart import balance_series, chart_points


def test_the_series_walks_back_from_todays_balance_through_each_days_net():
    daily = [(date(2026, 1, 3), -200), (date(2026, 1, 1), 500), (date(2026, 1, 2), 300)]
    assert balance_series(daily, 1000) == [(date(2026, 1, 1), 900), (date(2026, 1, 2), 1200),
                                           (date(2026, 1, 3), 1000)]


def test_no_movement_gives_an_empty_chart():
    assert balance_series([], 500) == [] and chart_points([]).points == ""


def test_points_span_the_width_and_put_the_highest_balance_at_the_top():
    chart = chart_points([(date(2026, 1, 1), 0), (date(2026, 1, 11), 100)], width=104, height=54, padding=2)
    assert chart.points == "2.0,52.0 102.0,2.0"
    assert (chart.low, chart.high, chart.zero_y) == (0, 100, None)


def test_a_balance_that_crosses_zero_gets_a_zero_line():
    chart = chart_points([(date(2026, 1, 1), -50), (date(2026, 1, 2), 50)], height=104, padding=2)
    assert chart.zero_y == 52.0


def test_a_single_day_draws_a_flat_line():
    chart = chart_points([(date(2026, 1, 1), 700)], width=100, height=50, padding=0)
    assert chart.points == "0,25.0 100,25.0"


def test_known_types_group_by_reporting_category_and_unknown_ones_are_other():
    assert category_for("charge", "charge") == "charge"
    assert category_for("adjustment", "dispute") == "dispute"
    assert category_for("stripe_fee", None) == "fee"
    assert category_for("payout", "payout") == "payout"
    assert category_for("quantum_settlement", "charge") == "other"
    assert label(category_for(None, None)) == "Other" and label("refund") == "Refunds"
