"""What every statement format shares: the parsed line, the error, size and encoding checks,
amounts to minor units and the stable key of a line without a bank id."""
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from light.money import exponent

# A month of a busy business account is well under 1 MB; 10 MB leaves room for a year of one, and
# keeps a whole statement (and its parse tree) comfortably in a web worker's memory.
MAX_BYTES = 10 * 1024 * 1024
MAX_TEXT = 500  # the stored description's length; longer text is cut, never refused
MAX_REFERENCE = 255


class StatementError(ValueError):
    """Why a statement file can't be imported, naming where in the file (`where`: "Line 12")."""

    def __init__(self, message: str, where: str | None = None):
        self.message = f"{where}: {message}" if where else message
        self.where = where
        super().__init__(self.message)


@dataclass(frozen=True)
class ParsedLine:
    date: date
    amount: int  # minor units of the statement's currency; + money in, - money out
    description: str
    reference: str = ""
    bank_id: str | None = None  # the bank's own id for the line (OFX FITID, CAMT AcctSvcrRef, a CSV id column)


@dataclass
class ParsedStatement:
    format: str  # "csv" | "ofx" | "camt053"
    currency: str | None  # what the file says, when it says (OFX CURDEF, CAMT Ccy)
    lines: list[ParsedLine] = field(default_factory=list)
    skipped: int = 0  # entries the file lists but that are not booked yet (CAMT pending)
    account_number: str | None = None  # the bank's account id as the file gives it


def check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise StatementError(f"The file is {_megabytes(len(data))}; Light imports statements of at most "
                             f"{_megabytes(max_bytes)}. Export a shorter date range and import each part.")
    if not data.strip():
        raise StatementError("The file is empty.")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def decode(data: bytes, encoding: str) -> str:
    """The file's text in `encoding` (a UTF-8 byte order mark is dropped), or where it isn't."""
    if encoding.replace("-", "").lower() == "utf8" and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise StatementError(f"byte 0x{data[exc.start]:02x} is not {encoding.upper()} text. Choose the file's "
                             f"encoding (banks often use Windows-1252), or export it again as UTF-8.",
                             f"Line {line}") from None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise StatementError("the file holds a NUL character, so it is not a text statement "
                             "(is it UTF-16? export it as UTF-8).", f"Line {line}")
    return text


def detect_format(data: bytes, *, max_bytes: int = MAX_BYTES) -> str:
    """"ofx", "camt053" or "csv", from how the file begins (its extension says nothing reliable)."""
    check_size(data, max_bytes)
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    if head.startswith(b"OFXHEADER") or b"<OFX>" in head or b"<?OFX" in head:
        return "ofx"
    if head.startswith(b"<"):
        if b"CAMT.053" in head:
            return "camt053"
        if b"CAMT." in head:
            raise StatementError("This is an ISO 20022 file but not a CAMT.053 statement (it is "
                                 + re.search(rb"CAMT\.\d{3}", head).group().decode().lower()
                                 + "). Ask the bank for the end-of-day statement, CAMT.053.")
        raise StatementError("This XML file is neither OFX nor CAMT.053.")
    return "csv"


def wrong_currency(found: str, expected: str) -> str:
    return (f"the statement is in {found}, and this bank account is in {expected.upper()}: choose (or add) "
            f"the bank account in {found}.")


def to_minor(value: Decimal, currency: str, where: str) -> int:
    """An exact amount in minor units; more decimals than the currency has is refused, not rounded."""
    places = exponent(currency)
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise StatementError(f"{value} has more decimals than {currency.upper()} has ({places}).", where)
    if abs(scaled) >= 10 ** 15:
        raise StatementError(f"{value} is larger than any bank line Light accepts.", where)
    return int(scaled)


PLAIN_NUMBER = re.compile(r"[+-]?\d{1,15}(\.\d{1,6})?")


def plain_decimal(text: str, where: str, what: str = "amount") -> Decimal:
    """A number as the machine formats (OFX, CAMT) write it: digits, optionally a point and decimals."""
    raw = (text or "").strip()
    if not PLAIN_NUMBER.fullmatch(raw):
        raise StatementError(f"the {what} {raw!r} is not a number like 1234.56.", where)
    try:
        return Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise StatementError(f"the {what} {raw!r} is not a number.", where) from None


def clean_text(text: str | None, limit: int = MAX_TEXT) -> str:
    """One line of text, whitespace folded, at most `limit` characters."""
    return " ".join((text or "").split())[:limit]


def stable_key(line: ParsedLine, occurrence: int) -> str:
    """The line's identity when the bank gave it no id: the same line in an overlapping file gives
    the same key. `occurrence` tells apart identical lines within one file (two coffees, same day)."""
    if line.bank_id:
        return "id:" + hashlib.sha256(line.bank_id.encode()).hexdigest()[:40]
    text = "|".join((line.date.isoformat(), str(line.amount), line.description.casefold(),
                     line.reference.casefold(), str(occurrence)))
    return "hash:" + hashlib.sha256(text.encode()).hexdigest()[:40]


def keyed(lines: list[ParsedLine]) -> list[tuple[str, ParsedLine]]:
    """Each line with its stable key, counting identical id-less lines in file order."""
    seen: dict[tuple, int] = {}
    out = []
    for line in lines:
        if line.bank_id:
            out.append((stable_key(line, 0), line))
            continue
        identity = (line.date, line.amount, line.description.casefold(), line.reference.casefold())
        seen[identity] = seen.get(identity, 0) + 1
        out.append((stable_key(line, seen[identity]), line))
    return out
