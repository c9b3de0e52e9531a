"""Invoice arithmetic with plain data: exact minor units, per-line tax rounded half up."""
import pytest

from light.invoices.totals import Line, compute, format_quantity, line_amounts, parse_quantity, stripe_charge_problem
from light.money import MoneyError


def test_totals_add_line_nets_and_per_line_taxes():
    totals = compute([Line(2000, 1999, 2000), Line(1000, 500, 0)])  # 2 × $19.99 at 20%, 1 × $5.00
    assert totals.lines[0].net == 3998 and totals.lines[0].tax == 800  # 799.6 rounds up
    assert (totals.subtotal, totals.tax, totals.total) == (4498, 800, 5298)


def test_tax_is_rounded_half_up_per_line_not_on_the_sum():
    # Two lines of 0.25 at 10% each: 0.025 -> 0.03 per line, so 0.06 (on the sum it would be 0.05).
    totals = compute([Line(1000, 25, 1000), Line(1000, 25, 1000)])
    assert [a.tax for a in totals.lines] == [3, 3]
    assert totals.tax == 6


def test_yen_amounts_have_no_minor_unit():
    totals = compute([Line(3000, 1200, 1000)])  # 3 × ¥1,200 at 10%
    assert (totals.subtotal, totals.tax, totals.total) == (3600, 360, 3960)


def test_yen_tax_rounds_to_whole_yen():
    assert line_amounts(Line(1000, 105, 800)).tax == 8  # 8.4 -> 8
    assert line_amounts(Line(1000, 125, 1000)).tax == 13  # 12.5 -> 13 (half up)


def test_three_decimal_currency_is_exact_in_fils():
    totals = compute([Line(1000, 1250, 500)])  # KWD 1.250 at 5% = 0.0625 -> 0.063
    assert (totals.subtotal, totals.tax, totals.total) == (1250, 63, 1313)


def test_fractional_quantities_round_the_line_half_up():
    assert line_amounts(Line(1500, 333, 0)).net == 500  # 1.5 × 3.33 = 4.995 -> 5.00
    assert line_amounts(Line(125, 1, 0)).net == 0  # 0.125 × 0.01 -> 0.00


@pytest.mark.parametrize("text,milli", [("1", 1000), ("2.5", 2500), ("0.125", 125), ("1000", 1_000_000)])
def test_quantities_parse_to_thousandths(text, milli):
    assert parse_quantity(text) == milli
    assert parse_quantity(format_quantity(milli)) == milli


@pytest.mark.parametrize("text", ["", "abc", "0", "-1", "1.2345", "NaN", "1,5", "1,000", "1e999999999", "2 pcs"])
def test_bad_quantities_are_refused_with_a_message(text):
    with pytest.raises(MoneyError):
        parse_quantity(text)


def test_stripe_cannot_charge_a_kwd_total_that_is_not_a_multiple_of_ten_fils():
    assert stripe_charge_problem(1313, "KWD") is not None
    assert "0.010" in stripe_charge_problem(1313, "KWD")
    assert stripe_charge_problem(1310, "KWD") is None
    assert stripe_charge_problem(1313, "USD") is None


def test_stripe_cannot_charge_nothing():
    assert stripe_charge_problem(0, "USD") is not None


@pytest.mark.parametrize("total, currency, says", [
    (49, "USD", "smallest charge in USD is $0.50"), (29, "GBP", "smallest charge in GBP is £0.30"),
    (49, "JPY", "smallest charge in JPY is ¥50"),
    (100_000_000, "USD", "at most $999,999.99"), (1313, "KWD", "steps of 0.010"), (0, "EUR", "above zero"),
    (150, "ISK", "whole krónur"),
])
def test_stripe_refuses_amounts_under_the_minimum_over_eight_digits_or_off_step(total, currency, says):
    assert says in stripe_charge_problem(total, currency)


@pytest.mark.parametrize("total, currency", [(50, "USD"), (30, "GBP"), (50, "JPY"), (99_999_999, "USD"),
                                             (1310, "KWD"), (100, "ISK")])
def test_amounts_stripe_takes_pass(total, currency):
    assert stripe_charge_problem(total, currency) is None
