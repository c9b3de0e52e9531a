import pytest

from light.money import (
    MoneyError,
    exponent,
    format_amount,
    is_currency,
    parse_amount,
    parse_rate,
    percent_of,
    to_decimal_string,
)


@pytest.mark.parametrize("currency, places", [("USD", 2), ("usd", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("EUR", 2)])
def test_exponent_knows_zero_and_three_decimal_currencies(currency, places):
    assert exponent(currency) == places


@pytest.mark.parametrize("text, currency, minor", [
    ("1234.50", "USD", 123450), ("0.1", "USD", 10), ("12", "USD", 1200), ("1200", "JPY", 1200),
    ("1.234", "KWD", 1234), ("0.005", "BHD", 5), ("-3.20", "EUR", -320),
    ("0.1", "EUR", 10), ("100000000.01", "USD", 10000000001),
])
def test_parse_amount_reads_minor_units_exactly(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize("text, currency, message", [
    ("", "USD", "Enter an amount."), ("abc", "USD", "like 120.00"), ("1.5", "JPY", "no minor unit"),
    ("1.001", "USD", "at most 2 decimal places"), ("1.0001", "KWD", "at most 3"), ("NaN", "USD", "like 120.00"),
    ("Infinity", "USD", "like 120.00"), ("1e999999999", "USD", "without an exponent"),
    ("1,234.50", "USD", "enter 1234.50"), ("$12", "USD", "without symbols.*: 12"), ("1,5", "EUR", "enter 1.5"),
    ("9" * 16, "USD", "too large"),
])
def test_parse_amount_explains_what_is_wrong(text, currency, message):
    with pytest.raises(MoneyError, match=message):
        parse_amount(text, currency)


@pytest.mark.parametrize("minor, currency, shown", [
    (123450, "USD", "$1,234.50"), (5, "USD", "$0.05"), (-5000, "JPY", "-¥5,000"), (1234, "KWD", "KWD 1.234"),
    (100, "SEK", "1.00 SEK"), (0, "EUR", "€0.00"), (-1, "BHD", "-BHD 0.001"),
])
def test_format_amount_respects_the_currency(minor, currency, shown):
    assert format_amount(minor, currency) == shown


def test_decimal_string_round_trips_through_parse():
    for currency in ("USD", "JPY", "KWD"):
        for minor in (0, 1, 99, 100, 123456789, -42):
            assert parse_amount(to_decimal_string(minor, currency), currency) == minor


def test_percent_of_rounds_half_up_without_floats():
    assert percent_of(1000, 2000) == 200      # 20% of 10.00
    assert percent_of(1, 5000) == 1           # half a cent rounds up
    assert percent_of(333, 725) == 24         # 7.25% of 3.33 = 0.241...
    assert percent_of(-1, 5000) == -1


def test_parse_rate_reads_basis_points():
    assert parse_rate("20") == 2000
    assert parse_rate("7.25") == 725
    assert parse_rate("") == 0
    with pytest.raises(MoneyError, match="without symbols.*: 20"):
        parse_rate("20%")
    with pytest.raises(MoneyError, match="exponent"):
        parse_rate("1e999999999")
    with pytest.raises(MoneyError):
        parse_rate("101")
    with pytest.raises(MoneyError):
        parse_rate("1.234")


def test_only_currencies_stripe_charges_in_are_currencies():
    assert is_currency("usd") and is_currency("JPY") and is_currency("KWD") and is_currency("PLN")
    assert not is_currency("XYZ") and not is_currency("US") and not is_currency("") and not is_currency(None)
