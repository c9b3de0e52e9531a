"""CSV files for spreadsheets, written a row at a time. Pure: no Flask, no database.

A spreadsheet runs a cell that starts with = + - @ (or a tab or a carriage return, which some
strip first) as a formula: a customer named "=HYPERLINK(…)" would run in the accountant's Excel.
Such text cells get a leading apostrophe, which spreadsheets show as plain text. Amounts are not
text: Light writes them itself as decimal strings ("-12.50"), and they must stay numbers.
"""
import csv
import io
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 16 * 1024  # characters sent at a time: a row each would be thousands of tiny writes
BOM = "\ufeff"  # Excel reads the file as UTF-8 only with it; other spreadsheets ignore it


class Amount(str):
    """A decimal string Light wrote itself (money.to_decimal_string): written as it is."""


def safe_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Amount):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """The file as chunks of text: the header first (with the BOM), then each row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([safe_cell(cell) for cell in header])
    yield BOM + flush()
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        if buffer.tell() >= CHUNK:
            yield flush()
    if buffer.tell():
        yield flush()
