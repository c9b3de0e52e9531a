"""OFX and QFX statements (OFX 1.x SGML and 2.x XML), tokenised by ofxtools.

ofxtools reads the header and the body's tags with its own tokenizer (no XML parser, so no DTD
and no entities are processed); Light then reads each STMTTRN's fields itself rather than through
ofxtools' `convert()`, which validates every aggregate against the spec and takes three times as
long: banks' files bend the spec, and a refusal must name the transaction that broke."""
import html
import io
import re
from datetime import date

from ofxtools.header import OFXHeaderError
from ofxtools.Parser import OFXTree, ParseError

from light.statements.formats.common import (
    MAX_BYTES,
    MAX_REFERENCE,
    ParsedLine,
    ParsedStatement,
    StatementError,
    check_size,
    clean_text,
    plain_decimal,
    to_minor,
    wrong_currency,
)

_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
# OFX 2 is XML: a DOCTYPE could declare entities, which Light never expands (an "XML bomb").
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse(data: bytes, *, currency: str, max_bytes: int = MAX_BYTES) -> ParsedStatement:
    check_size(data, max_bytes)
    declaration = _DECLARATION.search(data)
    if declaration:
        line = data[:declaration.start()].count(b"\n") + 1
        raise StatementError(f"the file declares <!{declaration.group(1).decode().upper()}>; OFX statements don't, "
                             f"and Light never expands XML entities.", f"Line {line}")
    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(data))
    except (OFXHeaderError, ParseError, ValueError, KeyError, IndexError) as exc:
        raise StatementError(f"This is not an OFX file Light can read: {_first_line(exc)}.") from None
    except UnicodeDecodeError as exc:
        raise StatementError(f"The OFX file's text is not in the encoding its header declares "
                             f"({exc.reason}).") from None
    root = tree.getroot()
    statements = root.findall(".//STMTRS") + root.findall(".//CCSTMTRS")
    if not statements:
        raise StatementError("The OFX file holds no bank or card statement (STMTRS).")
    currencies = {(s.findtext("CURDEF") or "").strip().upper() for s in statements} - {""}
    if len(currencies) > 1:
        raise StatementError(f"the file holds statements in {' and '.join(sorted(currencies))}; import one "
                             f"currency at a time.", "CURDEF")
    found_currency = currencies.pop() if currencies else None
    if found_currency and found_currency != currency.upper():
        raise StatementError(wrong_currency(found_currency, currency), "CURDEF")
    account_number = next((n.strip() for n in (s.findtext(".//ACCTID") for s in statements) if n and n.strip()), None)
    lines = [_line(txn, number, currency)
             for number, txn in enumerate((t for s in statements for t in s.iter("STMTTRN")), start=1)]
    return ParsedStatement(format="ofx", currency=found_currency, lines=lines, account_number=account_number)


def _line(txn, number: int, currency: str) -> ParsedLine:
    fitid = _text(txn, "FITID")
    where = f"STMTTRN {number}" + (f" (FITID {fitid})" if fitid else "")
    posted = _text(txn, "DTPOSTED")
    match = _DATE.match(posted)
    try:
        when = date(int(match[1]), int(match[2]), int(match[3])) if match else None
    except ValueError:
        when = None
    if when is None:
        raise StatementError(f"DTPOSTED {posted!r} is not a date like 20261231.", where)
    raw_amount = _text(txn, "TRNAMT")
    if not raw_amount:
        raise StatementError("TRNAMT, the amount, is missing.", where)
    if raw_amount.count(",") == 1 and "." not in raw_amount:
        # OFX allows a decimal comma (as ofxtools reads it) and never groups thousands, so "12,50" is 12.50.
        raw_amount = raw_amount.replace(",", ".")
    amount = to_minor(plain_decimal(raw_amount, where, "TRNAMT"), currency, where)
    name, memo = _text(txn, "NAME") or _text(txn, "PAYEE/NAME"), _text(txn, "MEMO")
    description = clean_text(" · ".join(part for part in (name, memo) if part) or _text(txn, "TRNTYPE"))
    reference = clean_text(_text(txn, "REFNUM") or _text(txn, "CHECKNUM"), MAX_REFERENCE)
    return ParsedLine(date=when, amount=amount, description=description, reference=reference,
                      bank_id=clean_text(fitid, MAX_REFERENCE) or None)


def _text(element, path: str) -> str:
    # SGML OFX keeps entities as written (&amp;); unescape once, as convert() would.
    return html.unescape((element.findtext(path) or "").strip())


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200].rstrip(".")
