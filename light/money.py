"""Money is an integer of minor units plus an ISO 4217 currency. No floats, ever.

Pure: no Flask, no database. Exponents follow Stripe's list of zero- and three-decimal currencies.
"""
from light.numbers import NumberError, read_decimal

ZERO_DECIMAL = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()
)
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())

# The currencies Light offers in its forms; any valid ISO code still formats correctly.
COMMON_CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK",
                     "JPY", "KWD", "BHD", "SGD", "HKD", "INR", "MXN", "BRL", "ZAR")

# Every currency Stripe can charge in (ISO 4217), so an unknown code like XYZ is refused up front.
STRIPE_CURRENCIES = frozenset("""
USD AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BWP BYN BZD
CAD CDF CHF CLP CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL GIP GMD GNF GTQ GYD
HKD HNL HTG HUF IDR ILS INR ISK JMD JOD JPY KES KGS KHR KMF KRW KWD KYD KZT LAK LBP LKR LRD LSL MAD
MDL MGA MKD MMK MNT MOP MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
PYG QAR RON RSD RUB RWF SAR SBD SCR SEK SGD SHP SLE SOS SRD STD SZL THB TJS TND TOP TRY TTD TWD TZS
UAH UGX UYU UZS VND VUV WST XAF XCD XOF XPF YER ZAR ZMW""".split())
# What the forms offer: the common ones first, then every other currency Stripe charges in.
CURRENCIES = COMMON_CURRENCIES + tuple(sorted(STRIPE_CURRENCIES - set(COMMON_CURRENCIES)))

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$", "NZD": "NZ$",
           "INR": "₹", "CHF": "CHF ", "KWD": "KWD ", "BHD": "BHD "}


# One error for every number a person typed (amounts, rates, quantities): see light/numbers.py.
MoneyError = NumberError


def exponent(currency: str) -> int:
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def is_currency(code: str) -> bool:
    return isinstance(code, str) and code.upper() in STRIPE_CURRENCIES


def parse_amount(text: str, currency: str) -> int:
    """'1234.50' USD -> 123450; '1200' JPY -> 1200; '1.234' KWD -> 1234. Separators, symbols and
    exponents are refused (light/numbers.py), so what is typed is exactly what is charged."""
    if not (text or "").strip():
        raise MoneyError("Enter an amount.")
    value = read_decimal(text, example="120.00")
    places = exponent(currency)
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        if places == 0:
            raise MoneyError(f"{currency.upper()} has no minor unit: enter a whole amount.")
        raise MoneyError(f"{currency.upper()} allows at most {places} decimal places.")
    return int(scaled)


def to_decimal_string(minor: int, currency: str) -> str:
    """123450 USD -> '1234.50' (for form fields: no symbol, no grouping)."""
    places = exponent(currency)
    sign = "-" if minor < 0 else ""
    digits = str(abs(int(minor)))
    if places == 0:
        return sign + digits
    digits = digits.rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def format_amount(minor: int, currency: str, *, symbol: bool = True) -> str:
    """123450 USD -> '$1,234.50'; -5000 JPY -> '-¥5,000'; 1234 KWD -> 'KWD 1.234'."""
    code = currency.upper()
    plain = to_decimal_string(abs(int(minor)), code)
    whole, _, frac = plain.partition(".")
    grouped = f"{int(whole):,}" + (f".{frac}" if frac else "")
    sign = "-" if minor < 0 else ""
    if not symbol:
        return f"{sign}{grouped}"
    prefix = SYMBOLS.get(code)
    if prefix:
        return f"{sign}{prefix}{grouped}"
    return f"{sign}{grouped} {code}"


def percent_of(minor: int, basis_points: int) -> int:
    """Round-half-up share of an amount, in basis points (1% = 100): tax and fees without floats."""
    numerator = minor * basis_points
    if numerator >= 0:
        return (numerator + 5000) // 10000
    return -((-numerator + 5000) // 10000)


def parse_rate(text: str) -> int:
    """'20' or '7.25' (percent) -> basis points (2000, 725)."""
    if not (text or "").strip():
        return 0
    value = read_decimal(text, example="20 or 7.25")
    if value < 0 or value > 100:
        raise MoneyError("Enter a rate between 0 and 100.")
    scaled = value.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise MoneyError("Rates allow at most 2 decimal places.")
    return int(scaled)
