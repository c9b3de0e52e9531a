"""Reading bank statement files into plain lines: CSV (with a column mapping), OFX/QFX and CAMT.053.

Pure: no Flask, no database. Every refusal is a StatementError naming the line or element, so a
person can find it in the file; nothing is guessed (the CSV's date format, decimal mark, delimiter
and encoding are chosen in its mapping)."""
from light.statements.formats import camt_file, csv_file, ofx_file  # noqa: E402 - each reads through common
from light.statements.formats.common import MAX_BYTES, ParsedLine, ParsedStatement, StatementError, detect_format

__all__ = ["MAX_BYTES", "ParsedLine", "ParsedStatement", "StatementError", "detect_format", "parse"]


def parse(data: bytes, *, currency: str, mapping=None, max_bytes: int = MAX_BYTES) -> ParsedStatement:
    """The statement in `data`, amounts in minor units of `currency` (the bank account's). A CSV
    needs its `mapping` (light.statements.formats.csv_file.CsvMapping)."""
    kind = detect_format(data, max_bytes=max_bytes)
    if kind == "ofx":
        return ofx_file.parse(data, currency=currency, max_bytes=max_bytes)
    if kind == "camt053":
        return camt_file.parse(data, currency=currency, max_bytes=max_bytes)
    if mapping is None:
        raise StatementError("This looks like a CSV file: choose its columns first.")
    return csv_file.parse(data, mapping, currency=currency, max_bytes=max_bytes)
