"""Reading a list's query string, and writing CSV cells a spreadsheet won't run: plain data."""
from datetime import date
from decimal import Decimal

import pytest

from light import csv_export, listing
from light.listing import ListSpec, Sort

SPEC = ListSpec(sorts=("number", "total", "issue_date", "created"), default_sort="-created",
                choices={"status": ("issued", "paid")}, days=("issued_from", "issued_to"), amounts=("min", "max"),
                ranges=(("issued_from", "issued_to", "The end date is before the start date."),
                        ("min", "max", "The largest amount is below the smallest.")),
                descending_first=frozenset({"total", "created"}))


@pytest.mark.parametrize("raw, expected", [
    ("number", Sort("number", False)), ("-total", Sort("total", True)), (" issue_date ", Sort("issue_date", False)),
    ("", Sort("created", True)), (None, Sort("created", True)), ("password", Sort("created", True)),
    ("--total", Sort("created", True)), ("-", Sort("created", True)), ("total;drop", Sort("created", True)),
])
def test_an_unknown_sort_is_ignored_for_the_default(raw, expected):
    assert listing.parse_sort(raw, SPEC.sorts, SPEC.default_sort) == expected


@pytest.mark.parametrize("raw, page", [("3", 3), ("0", 1), ("-2", 1), ("x", 1), ("", 1), ("99999999", 1),
                                       ("٣", 1), ("20000", listing.MAX_PAGE)])
def test_a_page_is_a_plain_positive_number_or_the_first(raw, page):
    assert listing.parse_page(raw) == page


def test_a_search_is_trimmed_squeezed_and_cut_to_length():
    assert listing.parse_search("  Acme \t  Ltd\n") == "Acme Ltd"
    assert listing.parse_search("a\x07b") == "ab"
    assert len(listing.parse_search("x" * 500)) == listing.MAX_SEARCH


def test_reading_keeps_what_is_valid_and_says_why_the_rest_is_not():
    criteria = listing.read({"q": "acme", "status": "paid", "issued_from": "2026-01-01", "issued_to": "31/01/2026",
                             "min": "1,000.50", "max": "200", "sort": "-total", "page": "2"}, SPEC)
    assert criteria.q == "acme" and criteria.choices == {"status": "paid"} and criteria.sort == Sort("total", True)
    assert criteria.days == {"issued_from": date(2026, 1, 1)} and criteria.amounts == {"max": Decimal("200")}
    assert set(criteria.errors) == {"issued_to", "min"} and "2026-12-31" in criteria.errors["issued_to"]
    assert "comma" in criteria.errors["min"] and criteria.typed["min"] == "1,000.50"


def test_an_unknown_status_is_ignored_and_an_upside_down_range_is_refused():
    criteria = listing.read({"status": "hacked", "issued_from": "2026-02-01", "issued_to": "2026-01-01",
                             "min": "5", "max": "1"}, SPEC)
    assert criteria.choices == {} and criteria.days == {"issued_from": date(2026, 2, 1)}
    assert criteria.errors == {"issued_to": "The end date is before the start date.",
                               "max": "The largest amount is below the smallest."}
    assert listing.read({"min": "-3"}, SPEC).errors == {"min": "Enter an amount of zero or more."}
    assert listing.read({"issued_from": "2026-02-30"}, SPEC).errors


def test_params_leave_out_defaults_and_a_new_sort_goes_back_to_page_one():
    criteria = listing.read({"q": "acme", "sort": "-created", "page": "3", "status": "issued", "min": "10.50"}, SPEC)
    assert criteria.params() == {"q": "acme", "status": "issued", "min": "10.50", "page": "3"}
    assert criteria.params(sort="total") == {"q": "acme", "status": "issued", "min": "10.50", "sort": "total"}
    assert criteria.params(status=None, page=None) == {"q": "acme", "min": "10.50"}
    assert list(criteria.params(page=4)) == ["q", "status", "min", "page"]


def test_a_header_link_flips_the_current_column_and_starts_others_their_natural_way():
    by_total = listing.read({"sort": "-total"}, SPEC)
    assert by_total.sort_link("total") == "total" and by_total.aria_sort("total") == "descending"
    assert by_total.sort_link("number") == "number" and by_total.aria_sort("number") is None
    assert listing.read({}, SPEC).sort_link("total") == "-total"
    assert listing.read({"sort": "number"}, SPEC).sort_link("number") == "-number"


@pytest.mark.parametrize("amount, places, upper, minor", [
    ("10.5", 2, False, 1050), ("10.5", 0, False, 11), ("10.5", 0, True, 10), ("1.2345", 3, False, 1235),
    ("1.2345", 3, True, 1234), ("7", 3, True, 7000),
])
def test_an_amount_bound_rounds_inwards_in_each_currencys_minor_units(amount, places, upper, minor):
    assert listing.minor_bound(Decimal(amount), places, upper=upper) == minor


@pytest.mark.parametrize("value, cell", [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"), ("+1", "'+1"), ("-cmd", "'-cmd"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("Acme = good", "Acme = good"), (None, ""),
    (12, "12"), (csv_export.Amount("-12.50"), "-12.50"),
])
def test_a_text_cell_that_a_spreadsheet_would_run_is_written_as_text(value, cell):
    assert csv_export.safe_cell(value) == cell


def test_the_file_starts_with_the_bom_and_the_header_and_quotes_what_needs_it():
    text = "".join(csv_export.lines(["Name", "Total"], [["Acme, Ltd", csv_export.Amount("1.50")], ["=1+1", "x"]]))
    assert text == '\ufeffName,Total\r\n"Acme, Ltd",1.50\r\n\'=1+1,x\r\n'


def test_a_long_file_comes_in_chunks_not_one_string():
    chunks = list(csv_export.lines(["A"], (["x" * 100] for _ in range(1000))))
    assert len(chunks) > 3 and all(len(chunk) < 2 * csv_export.CHUNK for chunk in chunks)
