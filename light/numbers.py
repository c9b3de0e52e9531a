"""Reading the numbers people type (amounts, quantities, tax rates), in one place.

One form is accepted: digits, optionally a point and more digits, optionally a leading minus
("1234.50", "-3", "0.125"). Anything else is refused with a message that says what Light saw
and what to type instead, never guessed: "1,5" is 1.5 to a German and 15 to Light's old parser,
"$1,000.50" hides a symbol and a separator, "1e999999999" is a number no invoice needs.
Pure: no Flask, no database."""
import re
from decimal import Decimal

PLAIN = re.compile(r"-?(\d{1,15})(\.\d{1,12})?")
DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
DECORATION = re.compile(r"[^\d.,\-]")


class NumberError(ValueError):
    """A user-presentable reason a typed number could not be read."""


def read_decimal(text: str, *, example: str) -> Decimal:
    """The exact Decimal `text` spells, or NumberError saying why not (`example` shows the form)."""
    raw = (text or "").strip()
    if PLAIN.fullmatch(raw):
        return Decimal(raw)
    raise NumberError(_why(raw, example))


def _why(raw: str, example: str) -> str:
    if re.fullmatch(r"-?[\d.]*\d[\d.]*[eE][+-]?\d+", raw):
        return "Write the number out in full, without an exponent (e)."
    if re.fullmatch(r"-?\.\d+", raw):
        return f"Enter {raw.replace('.', '0.', 1)}."
    if re.fullmatch(r"-?\d+\.", raw):
        return f"Enter {raw[:-1]}."
    bare = DECORATION.sub("", raw)
    if bare != raw and re.fullmatch(r"-?[\d.,]*\d[\d.,]*", bare):
        return f"Enter just the number, without symbols, letters or spaces: {bare}."
    if DECIMAL_COMMA.fullmatch(raw) and not GROUPED.fullmatch(raw):
        whole, _, part = raw.partition(",")
        return f"Use a point for decimals: enter {whole}.{part} (or {whole}{part} if you meant that)."
    if GROUPED.fullmatch(raw):
        whole, _, part = raw.partition(",")
        maybe_decimal = "." not in raw and raw.count(",") == 1
        return (f"Leave out the comma: enter {raw.replace(',', '')}"
                f"{f' (or {whole}.{part} if the comma was a decimal point)' if maybe_decimal else ''}.")
    digits = re.match(r"-?(\d*)", raw).group(1)
    if len(digits) > 15:
        return "That number is too large."
    return f"Enter a number written out, like {example}."
