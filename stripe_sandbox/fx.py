"""Settlement currencies and currency conversion, as a real Stripe account has them.

An account settles in its settlement currencies (its default currency, plus any it has a bank
account in). A charge in another currency is converted when it is booked: its balance
transaction is in the settlement currency, with `exchange_rate` set so that "the amount in
currency A, times exchange_rate, would be the amount in currency B" (Stripe's API reference,
balance_transaction.exchange_rate), in major units: 10.00 EUR at 1.234 books 1234 USD cents.
Its refunds and disputes are converted at the charge's rate. The fee is charged on the
converted amount, in the settlement currency.

Rates are fixed (the sandbox's choice): a test can compute what to expect.
"""
from decimal import ROUND_HALF_UP, Decimal

# Units of USD one unit of the currency buys.
USD_PER_UNIT = {
    "usd": Decimal("1"), "eur": Decimal("1.08"), "gbp": Decimal("1.27"), "cad": Decimal("0.73"),
    "aud": Decimal("0.66"), "chf": Decimal("1.13"), "jpy": Decimal("0.0067"),
    "krw": Decimal("0.00075"), "kwd": Decimal("3.25"), "bhd": Decimal("2.65"),
    "sek": Decimal("0.095"), "nok": Decimal("0.093"), "dkk": Decimal("0.145"),
    "mxn": Decimal("0.058"), "inr": Decimal("0.012"), "sgd": Decimal("0.74"),
    "isk": Decimal("0.0072"), "nzd": Decimal("0.6"), "hkd": Decimal("0.128"),
    "pln": Decimal("0.25"), "czk": Decimal("0.043"), "huf": Decimal("0.0027"),
    "brl": Decimal("0.2"), "zar": Decimal("0.055"),
}


def settlement_currency(account, currency):
    """Where a charge in `currency` lands on `account`."""
    currency = currency.lower()
    if currency in account.settlement_currencies:
        return currency
    if account.default_currency in account.settlement_currencies:
        return account.default_currency
    return sorted(account.settlement_currencies)[0]


def rate(source, target):
    """The exchange rate from `source` to `target`, six significant digits, as a Decimal."""
    if source == target:
        return None
    if source not in USD_PER_UNIT or target not in USD_PER_UNIT:
        raise KeyError(f"the sandbox has no rate from {source} to {target}")
    exact = USD_PER_UNIT[source] / USD_PER_UNIT[target]
    return exact.quantize(Decimal(1).scaleb(exact.adjusted() - 5), rounding=ROUND_HALF_UP).normalize()


def convert(amount, source, target, exchange_rate):
    """`amount` minor units of `source` in minor units of `target` (half up, sign kept)."""
    if exchange_rate is None:
        return amount
    from .money import decimals  # money books through this module

    major = Decimal(abs(amount)).scaleb(-decimals(source)) * exchange_rate
    minor = int(major.scaleb(decimals(target)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if target in ("bhd", "jod", "kwd", "omr", "tnd"):
        minor -= minor % 10  # three-decimal balances move in steps of 10, like their charges
    return -minor if amount < 0 else minor


def as_json(exchange_rate):
    """Stripe sends exchange_rate as a JSON number (or null)."""
    return None if exchange_rate is None else float(exchange_rate)


def booking(account, currency):
    """(settlement currency, exchange rate or None) for money moving in `currency`. A currency
    the sandbox has no rate for is booked as it is (test_known_difference_a_currency_without_a_rate_is_booked_as_is)."""
    currency = currency.lower()
    target = settlement_currency(account, currency)
    if currency not in USD_PER_UNIT or target not in USD_PER_UNIT:
        return currency, None
    return target, rate(currency, target)
