"""A bank's CSV export, read through a column mapping the person chose: which column holds the date,
the description, the amount (or debit and credit), and how the bank writes dates and decimals.

Formula cells: a text cell (description, reference, id) that begins with =, +, -, @, a tab or a
carriage return is REFUSED, naming its line and column. Light's reconciled lines go to the
accountant as CSV, and a spreadsheet runs such a cell as a formula (CSV injection); neutralising it
(a leading apostrophe) would silently change the bank's text that matching and the stable key
read, so the person is told instead. Amount cells are parsed as numbers, so their signs are fine."""
import csv
import io
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal

from light.statements.formats.common import (
    MAX_BYTES,
    MAX_REFERENCE,
    ParsedLine,
    ParsedStatement,
    StatementError,
    check_size,
    clean_text,
    decode,
    to_minor,
)

# Key -> (strptime format, how a person reads it). The key is stored; no format string comes from a form.
DATE_FORMATS = {
    "ymd": ("%Y-%m-%d", "2026-12-31"),
    "dmy_slash": ("%d/%m/%Y", "31/12/2026"),
    "mdy_slash": ("%m/%d/%Y", "12/31/2026"),
    "dmy_dot": ("%d.%m.%Y", "31.12.2026"),
    "dmy_dash": ("%d-%m-%Y", "31-12-2026"),
    "ymd_compact": ("%Y%m%d", "20261231"),
}
DECIMALS = {"point": "1,234.56 (decimal point)", "comma": "1.234,56 (decimal comma)"}
DELIMITERS = {",": "Comma (,)", ";": "Semicolon (;)", "\t": "Tab"}
ENCODINGS = {"utf-8": "UTF-8", "windows-1252": "Windows-1252 (Western Europe, US)", "iso-8859-1": "ISO-8859-1"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_COLUMNS = 100
MAX_CELL = 2000

# With a decimal point, thousands may be grouped with commas; with a decimal comma, with points,
# spaces or apostrophes. Nothing else: "1,234" is 1234 only when the mapping says "point".
_NUMBER = {
    "point": re.compile(r"(?P<sign>[+-]?)(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<part>\d+))?(?P<trail>-?)"),
    "comma": re.compile(r"(?P<sign>[+-]?)(?P<whole>\d{1,3}(?:[. '\u00a0]\d{3})+|\d+)(?:,(?P<part>\d+))?(?P<trail>-?)"),
}


@dataclass(frozen=True)
class CsvMapping:
    """Which header names hold what, and how the bank writes its values. Saved per bank account."""

    date_column: str
    description_column: str
    amount_column: str = ""  # one signed amount, or:
    debit_column: str = ""  # money out, written as a positive number
    credit_column: str = ""  # money in
    reference_column: str = ""
    id_column: str = ""  # the bank's own id for each line, when its export has one
    date_format: str = "ymd"
    decimal: str = "point"
    delimiter: str = ","
    encoding: str = "utf-8"

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "CsvMapping":
        known = cls.__dataclass_fields__
        return cls(**{k: str(v) for k, v in (values or {}).items() if k in known})

    def problems(self, header: list[str] | None = None) -> dict[str, str]:
        """Per field, what is wrong with the mapping (against the file's header when given)."""
        errors = {}
        if self.date_format not in DATE_FORMATS:
            errors["date_format"] = "Choose how the bank writes dates."
        if self.decimal not in DECIMALS:
            errors["decimal"] = "Choose the bank's decimal mark."
        if self.delimiter not in DELIMITERS:
            errors["delimiter"] = "Choose the delimiter."
        if self.encoding not in ENCODINGS:
            errors["encoding"] = "Choose the file's encoding."
        if not self.date_column:
            errors["date_column"] = "Choose the column with the date."
        if not self.description_column:
            errors["description_column"] = "Choose the column with the description."
        if self.amount_column and (self.debit_column or self.credit_column):
            errors["amount_column"] = "Choose either one amount column or debit and credit columns, not both."
        elif not self.amount_column and not (self.debit_column and self.credit_column):
            errors["amount_column"] = "Choose the amount column, or both a debit and a credit column."
        if header is not None:
            for name in ("date_column", "description_column", "amount_column", "debit_column", "credit_column",
                         "reference_column", "id_column"):
                value = getattr(self, name)
                if value and value not in header and name not in errors:
                    errors[name] = f"The file has no column {value!r}."
        return errors


def read_rows(data: bytes, *, delimiter: str = ",", encoding: str = "utf-8",
              max_bytes: int = MAX_BYTES) -> tuple[list[str], list[list[str]]]:
    """The header and the rows, each row as long as the header; a malformed row is refused by line."""
    check_size(data, max_bytes)
    text = decode(data, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise StatementError("The file has no header row: its first line must name the columns.")
        header = [cell.strip() for cell in header]
        if len(header) > MAX_COLUMNS:
            raise StatementError(f"the file has {len(header)} columns; a statement has at most {MAX_COLUMNS}.",
                                 "Line 1")
        named = [h for h in header if h]
        if len(set(named)) != len(named):
            twice = next(h for h in named if named.count(h) > 1)
            raise StatementError(f"two columns are both called {twice!r}; rename one in the file.", "Line 1")
        if len(header) == 1 and delimiter != "\t" and any(d in header[0] for d in ";\t,"):
            raise StatementError("the header is one column: choose the delimiter the file uses.", "Line 1")
        rows = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank lines separate sections in some banks' exports
            if len(row) != len(header):
                raise StatementError(f"{len(row)} cells where the header has {len(header)}.", f"Line {reader.line_num}")
            if any(len(cell) > MAX_CELL for cell in row):
                raise StatementError(f"a cell is longer than {MAX_CELL} characters.", f"Line {reader.line_num}")
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise StatementError(f"the file is not valid CSV ({exc}).", f"Line {reader.line_num}") from None
    return header, rows


def parse(data: bytes, mapping: CsvMapping, *, currency: str, max_bytes: int = MAX_BYTES) -> ParsedStatement:
    problems = mapping.problems()
    if problems:
        raise StatementError(next(iter(problems.values())))
    header, rows = read_rows(data, delimiter=mapping.delimiter, encoding=mapping.encoding, max_bytes=max_bytes)
    problems = mapping.problems(header)
    if problems:
        raise StatementError(next(iter(problems.values())))
    index = {name: i for i, name in enumerate(header)}
    lines = []
    for line_num, row in rows:
        where = f"Line {line_num}"

        def cell(column: str, row=row) -> str:
            return row[index[column]].strip() if column else ""

        for column in (mapping.description_column, mapping.reference_column, mapping.id_column):
            if column and row[index[column]].lstrip(" ").startswith(FORMULA_STARTS):
                raise StatementError(
                    f"the {column!r} cell begins with {row[index[column]].lstrip(' ')[0]!r}, which a spreadsheet "
                    f"runs as a formula. Light refuses statements with formula cells: remove that character "
                    f"and import again.", where)
        when = parse_date(cell(mapping.date_column), mapping.date_format, where)
        if mapping.amount_column:
            amount = to_minor(parse_number(cell(mapping.amount_column), mapping.decimal, where), currency, where)
        else:
            amount = _debit_credit(cell(mapping.debit_column), cell(mapping.credit_column), mapping, currency, where)
        lines.append(ParsedLine(date=when, amount=amount, description=clean_text(cell(mapping.description_column)),
                                reference=clean_text(cell(mapping.reference_column), MAX_REFERENCE),
                                bank_id=clean_text(cell(mapping.id_column), MAX_REFERENCE) or None))
    if not lines:
        raise StatementError("The file has a header but no lines.")
    return ParsedStatement(format="csv", currency=None, lines=lines)


def _debit_credit(debit: str, credit: str, mapping: CsvMapping, currency: str, where: str) -> int:
    if debit and credit:
        raise StatementError(f"both {mapping.debit_column!r} and {mapping.credit_column!r} hold an amount; "
                             f"a line is one or the other.", where)
    if not debit and not credit:
        raise StatementError(f"neither {mapping.debit_column!r} nor {mapping.credit_column!r} holds an amount.", where)
    value = abs(parse_number(debit or credit, mapping.decimal, where))
    minor = to_minor(value, currency, where)
    return -minor if debit else minor


def parse_date(text: str, date_format: str, where: str) -> date:
    pattern, example = DATE_FORMATS[date_format]
    try:
        return datetime.strptime(text, pattern).date()
    except ValueError:
        raise StatementError(f"the date {text!r} is not written like {example}; is the date format right?",
                             where) from None


def parse_number(text: str, decimal: str, where: str) -> Decimal:
    """A bank's amount in the mapping's decimal convention: "-1,234.56" (point), "1.234,56-" (comma)."""
    if not text:
        raise StatementError("the amount is empty.", where)
    match = _NUMBER[decimal].fullmatch(text)
    if not match or (match["sign"] and match["trail"]):
        other = "comma" if decimal == "point" else "point"
        hint = (f" (it reads as a decimal {other}: change the mapping's decimal mark)"
                if _NUMBER[other].fullmatch(text.strip()) else "")
        raise StatementError(f"the amount {text!r} is not a number written with a decimal {decimal}{hint}.", where)
    whole = re.sub(r"\D", "", match["whole"])
    value = Decimal(f"{whole}.{match['part']}" if match["part"] else whole)
    return -value if "-" in (match["sign"], match["trail"]) else value
