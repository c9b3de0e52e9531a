"""What people type as numbers: one plain form is read exactly; anything else is refused with a
message saying what to type instead."""
from decimal import Decimal

import pytest

from light.numbers import NumberError, read_decimal


@pytest.mark.parametrize("text, value", [
    ("1", "1"), ("1.5", "1.5"), (" 2.50 ", "2.50"), ("-3.20", "-3.20"), ("0.125", "0.125"),
    ("999999999999999", "999999999999999"),
])
def test_plain_numbers_are_read_exactly(text, value):
    assert read_decimal(text, example="1.5") == Decimal(value)


@pytest.mark.parametrize("text, says", [
    ("1,5", "Use a point for decimals: enter 1.5 (or 15 if you meant that)."),
    ("1,000", "Leave out the comma: enter 1000 (or 1.000 if the comma was a decimal point)."),
    ("1,000.50", "Leave out the comma: enter 1000.50."),
    ("$1,000.50", "Enter just the number, without symbols, letters or spaces: 1,000.50."),
    ("20%", "Enter just the number, without symbols, letters or spaces: 20."),
    ("1e999999999", "Write the number out in full, without an exponent (e)."),
    (".5", "Enter 0.5."),
    ("5.", "Enter 5."),
    ("1234567890123456", "That number is too large."),
    ("abc", "Enter a number written out, like 1.5."),
    ("NaN", "Enter a number written out, like 1.5."),
    ("", "Enter a number written out, like 1.5."),
])
def test_anything_else_is_refused_saying_what_to_type(text, says):
    with pytest.raises(NumberError) as refused:
        read_decimal(text, example="1.5")
    assert str(refused.value) == says
