"""Invoice arithmetic in integer minor units. Pure: no Flask, no database.

Rules (documented for accountants):
- A line's net amount is unit price × quantity, rounded half up to the currency's minor unit
  (quantities may have up to 3 decimals, e.g. 1.5 hours).
- Tax is computed per line on its net amount with `money.percent_of` (round half up), then summed;
  so the invoice's tax is the sum of the rounded line taxes, as printed on the lines.
- Total = subtotal (sum of nets) + tax (sum of line taxes). No floats anywhere.
"""
from dataclasses import dataclass

from light.money import THREE_DECIMAL, MoneyError, exponent, format_amount, percent_of
from light.numbers import read_decimal

QUANTITY_SCALE = 1000  # quantities are stored in thousandths
MAX_QUANTITY_MILLI = 10**9 * QUANTITY_SCALE
# The largest amount (a price, a line, a total) Light accepts, in minor units: far beyond any
# real invoice, yet 100 lines of it still fit the database's 64-bit BigInteger columns.
MAX_AMOUNT = 10**15


@dataclass(frozen=True)
class Line:
    quantity_milli: int
    unit_price: int  # minor units
    tax_rate: int  # basis points


@dataclass(frozen=True)
class LineAmounts:
    net: int
    tax: int

    @property
    def gross(self) -> int:
        return self.net + self.tax


@dataclass(frozen=True)
class Totals:
    lines: tuple[LineAmounts, ...]
    subtotal: int
    tax: int
    total: int


def parse_quantity(text: str) -> int:
    """'2' -> 2000, '1.5' -> 1500, '0.125' -> 125 (thousandths)."""
    if not (text or "").strip():
        raise MoneyError("Enter a quantity.")
    value = read_decimal(text, example="1 or 2.5")
    if value <= 0:
        raise MoneyError("Enter a quantity above zero.")
    scaled = value * QUANTITY_SCALE
    if scaled != scaled.to_integral_value():
        raise MoneyError("Quantities allow at most 3 decimal places.")
    if scaled > MAX_QUANTITY_MILLI:
        raise MoneyError("That quantity is too large.")
    return int(scaled)


def format_quantity(quantity_milli: int) -> str:
    """2000 -> '2', 1500 -> '1.5'."""
    whole, frac = divmod(int(quantity_milli), QUANTITY_SCALE)
    if not frac:
        return str(whole)
    return f"{whole}.{frac:03d}".rstrip("0")


def line_amounts(line: Line) -> LineAmounts:
    product = line.unit_price * line.quantity_milli
    net = (product + QUANTITY_SCALE // 2) // QUANTITY_SCALE if product >= 0 else \
        -((-product + QUANTITY_SCALE // 2) // QUANTITY_SCALE)
    return LineAmounts(net=net, tax=percent_of(net, line.tax_rate))


def compute(lines) -> Totals:
    amounts = tuple(line_amounts(line) for line in lines)
    subtotal = sum(a.net for a in amounts)
    tax = sum(a.tax for a in amounts)
    return Totals(lines=amounts, subtotal=subtotal, tax=tax, total=subtotal + tax)


# Stripe's smallest charge per currency, in minor units (docs.stripe.com/currencies, "Minimum and
# maximum charge amounts"). Other currencies must convert to at least USD 0.50, which depends on
# the day's rate: Light doesn't guess, and Stripe's refusal is recorded on the invoice instead.
STRIPE_MINIMUMS = {
    "USD": 50, "AED": 200, "AUD": 50, "BGN": 100, "BRL": 50, "CAD": 50, "CHF": 50, "CZK": 1500,
    "DKK": 250, "EUR": 50, "GBP": 30, "HKD": 400, "HUF": 17500, "INR": 50, "JPY": 50, "MXN": 1000,
    "MYR": 200, "NOK": 300, "NZD": 50, "PLN": 200, "RON": 200, "SEK": 300, "SGD": 50, "THB": 1000,
}
STRIPE_MAXIMUM = 99_999_999  # "up to eight digits", in minor units


def stripe_charge_problem(total: int, currency: str) -> str | None:
    """Why Stripe can't charge this amount, or None: Stripe refuses amounts under the currency's
    minimum or over eight digits, and charges three-decimal currencies (KWD, BHD, …) in steps
    of 10 minor units (0.010)."""
    code = currency.upper()
    if total <= 0:
        return "Stripe can only collect an invoice whose total is above zero."
    minimum = STRIPE_MINIMUMS.get(code)
    if minimum is not None and total < minimum:
        return (f"Stripe's smallest charge in {code} is {format_amount(minimum, code)}: "
                "raise the total, or choose bank transfer.")
    if total > STRIPE_MAXIMUM:
        return (f"Stripe charges at most {format_amount(STRIPE_MAXIMUM, code)} at once: "
                "split this over several invoices, or choose bank transfer.")
    if code == "ISK" and total % 100:
        return "Stripe charges ISK in whole krónur: adjust a price or the tax so the total has no aurar."
    if code in THREE_DECIMAL and total % 10:
        step = "0." + "0" * (exponent(currency) - 2) + "10"
        return (f"Stripe charges {code} in steps of {step}: adjust a price or the tax "
                "so the total ends in 0, or choose bank transfer.")
    return None
