"""Bank statement files read into plain lines, on plain bytes: CSV through a mapping, OFX, CAMT.053,
and every hostile or malformed file refused with a message naming where."""
from datetime import date

import pytest

from light.statements.formats import StatementError, detect_format, parse
from light.statements.formats.common import keyed
from light.statements.formats.csv_file import CsvMapping, read_rows
from tests.fixtures.statements import camt053, ofx_sgml, ofx_xml

POINT = CsvMapping(date_column="Date", description_column="Description", amount_column="Amount")


def csv_bytes(*rows, header="Date,Description,Amount", encoding="utf-8") -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode(encoding)


def refused(data, **kwargs) -> str:
    with pytest.raises(StatementError) as caught:
        parse(data, **kwargs)
    return caught.value.message


# -- CSV ------------------------------------------------------------------------------------------
def test_a_csv_with_one_signed_amount_column_reads_into_minor_units():
    statement = parse(csv_bytes("2026-01-02,STRIPE PAYOUT,1234.50", "2026-01-03,Rent,-800"), currency="USD",
                      mapping=POINT)
    assert [(line.date, line.amount, line.description) for line in statement.lines] == [
        (date(2026, 1, 2), 123450, "STRIPE PAYOUT"), (date(2026, 1, 3), -80000, "Rent")]


def test_a_decimal_comma_and_day_first_dates_are_read_only_when_the_mapping_says_so():
    mapping = CsvMapping(date_column="Datum", description_column="Text", amount_column="Betrag",
                         date_format="dmy_dot", decimal="comma", delimiter=";")
    data = csv_bytes('02.01.2026;Miete;-1.234,56', '03.01.2026;STRIPE;99,5', header="Datum;Text;Betrag")
    assert [line.amount for line in parse(data, currency="EUR", mapping=mapping).lines] == [-123456, 9950]
    # The same amounts under a decimal-point mapping are refused, saying what they look like.
    point = CsvMapping(date_column="Datum", description_column="Text", amount_column="Betrag",
                       date_format="dmy_dot", delimiter=";")
    message = refused(data, currency="EUR", mapping=point)
    assert message.startswith("Line 2:") and "decimal comma" in message


def test_thousands_grouping_follows_the_chosen_decimal_mark():
    mapping = CsvMapping(date_column="Date", description_column="Description", amount_column="Amount")
    data = csv_bytes('2026-01-02,Big,"1,234,567.89"')
    assert parse(data, currency="USD", mapping=mapping).lines[0].amount == 123456789


def test_debit_and_credit_columns_give_the_sign():
    mapping = CsvMapping(date_column="Date", description_column="Memo", debit_column="Out", credit_column="In",
                         date_format="mdy_slash")
    data = csv_bytes("01/02/2026,Card,12.00,", "01/03/2026,STRIPE,,40.10", header="Date,Memo,Out,In")
    assert [line.amount for line in parse(data, currency="USD", mapping=mapping).lines] == [-1200, 4010]
    both = csv_bytes("01/02/2026,Card,12.00,3.00", header="Date,Memo,Out,In")
    assert refused(both, currency="USD", mapping=mapping).startswith("Line 2: both 'Out' and 'In'")


@pytest.mark.parametrize("currency, text, minor", [("JPY", "5000", 5000), ("KWD", "1.234", 1234),
                                                    ("BHD", "-0.005", -5), ("USD", "0.10", 10)])
def test_zero_and_three_decimal_currencies_are_exact(currency, text, minor):
    assert parse(csv_bytes(f"2026-01-02,x,{text}"), currency=currency, mapping=POINT).lines[0].amount == minor


def test_more_decimals_than_the_currency_has_is_refused_not_rounded():
    assert refused(csv_bytes("2026-01-02,x,12.5"), currency="JPY", mapping=POINT).startswith(
        "Line 2: 12.5 has more decimals than JPY has (0)")


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"\"http://x\"\")", "+cmd", "-2+3", "@SUM(A1)", "\tx"])
def test_a_formula_cell_is_refused_naming_its_line_and_column(cell):
    data = csv_bytes("2026-01-02,Fine,1.00", f'2026-01-03,"{cell}",2.00')
    message = refused(data, currency="USD", mapping=POINT)
    assert message.startswith("Line 3: the 'Description' cell begins with") and "formula" in message


def test_a_negative_amount_is_not_a_formula_cell():
    assert parse(csv_bytes("2026-01-02,Fee,-1.00"), currency="USD", mapping=POINT).lines[0].amount == -100


@pytest.mark.parametrize("row, where, words", [
    ("2026-13-02,x,1.00", "Line 2", "not written like 2026-12-31"),
    ("02/01/2026,x,1.00", "Line 2", "not written like 2026-12-31"),
    ("2026-01-02,x,abc", "Line 2", "'abc' is not a number"),
    ("2026-01-02,x,", "Line 2", "the amount is empty"),
    ("2026-01-02,x,1e5", "Line 2", "not a number"),
    ("2026-01-02,x", "Line 2", "2 cells where the header has 3"),
])
def test_unparseable_dates_amounts_and_rows_are_refused_naming_the_line(row, where, words):
    message = refused(csv_bytes(row), currency="USD", mapping=POINT)
    assert message.startswith(where) and words in message


def test_the_wrong_encoding_is_refused_naming_the_line():
    data = csv_bytes("2026-01-02,Caf\u00e9,1.00", "2026-01-03,Caf\u00e9,2.00", encoding="windows-1252")
    message = refused(data, currency="USD", mapping=POINT)
    assert message.startswith("Line 2: byte 0xe9 is not UTF-8") and "Windows-1252" in message
    chosen = CsvMapping(date_column="Date", description_column="Description", amount_column="Amount",
                        encoding="windows-1252")
    assert parse(data, currency="USD", mapping=chosen).lines[0].description == "Caf\u00e9"


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column_name():
    assert parse(b"\xef\xbb\xbf" + csv_bytes("2026-01-02,x,1.00"), currency="USD", mapping=POINT).lines


def test_utf16_is_refused_as_not_text():
    assert "NUL" in refused(csv_bytes("2026-01-02,x,1.00", encoding="utf-16-le"), currency="USD", mapping=POINT)


def test_a_huge_file_is_refused_before_it_is_read():
    message = refused(csv_bytes(*["2026-01-02,x,1.00"] * 1000), currency="USD", mapping=POINT, max_bytes=1000)
    assert message.startswith("The file is 0.0 MB; Light imports statements of at most 0.0 MB")


def test_the_mapping_must_name_columns_the_file_has():
    mapping = CsvMapping(date_column="When", description_column="Description", amount_column="Amount")
    assert refused(csv_bytes("2026-01-02,x,1.00"), currency="USD", mapping=mapping) == "The file has no column 'When'."
    assert CsvMapping(date_column="Date", description_column="D").problems()["amount_column"].startswith("Choose")


def test_a_header_read_as_one_column_asks_for_the_delimiter():
    with pytest.raises(StatementError, match="choose the delimiter"):
        read_rows(b"Date;Text;Amount\n2026-01-02;x;1\n")


def test_the_mapping_survives_being_saved_as_a_dict():
    mapping = CsvMapping(date_column="D", description_column="T", debit_column="O", credit_column="I", decimal="comma")
    assert CsvMapping.from_dict(mapping.as_dict() | {"unknown": "x"}) == mapping


# -- OFX ------------------------------------------------------------------------------------------
def test_an_sgml_ofx_1_statement_reads_with_its_fitids():
    data = ofx_sgml([("20260105", "1500.00", "F1", "STRIPE TRANSFER"), ("20260106120000[-5:EST]", "-25.5", "F2",
                                                                          "AT&amp;T")])
    assert detect_format(data) == "ofx"
    statement = parse(data, currency="USD")
    assert statement.currency == "USD" and statement.account_number == "000123456"
    assert [(line.date, line.amount, line.bank_id, line.description) for line in statement.lines] == [
        (date(2026, 1, 5), 150000, "F1", "STRIPE TRANSFER"), (date(2026, 1, 6), -2550, "F2", "AT&T")]


def test_an_ofx_2_xml_statement_reads():
    statement = parse(ofx_xml([("20260105", "10.00", "X1", "STRIPE")]), currency="EUR")
    assert [(line.amount, line.bank_id) for line in statement.lines] == [(1000, "X1")]


def test_an_ofx_amount_may_use_a_decimal_comma_as_the_spec_allows():
    assert parse(ofx_sgml([("20260105", "-12,50", "F1", "x")]), currency="USD").lines[0].amount == -1250


def test_a_qfx_file_with_intuit_tags_and_windows_1252_text_reads():
    data = ofx_sgml([("20260105", "3.00", "F1", "CAFE-NAME")]).replace(b"<LANGUAGE>ENG", b"<LANGUAGE>ENG<INTU.BID>3000")
    data = data.replace(b"CAFE-NAME", "Caf\xe9 Cr\xe8me".encode("cp1252"))
    assert parse(data, currency="USD").lines[0].description == "Caf\xe9 Cr\xe8me"


def test_an_ofx_statement_in_another_currency_is_refused():
    assert refused(ofx_sgml([("20260105", "1.00", "F1", "x")], currency="EUR"), currency="USD").startswith(
        "CURDEF: the statement is in EUR, and this bank account is in USD")


@pytest.mark.parametrize("posted, amount, words", [("2026XX05", "1.00", "DTPOSTED '2026XX05'"),
                                                    ("20261305", "1.00", "DTPOSTED '20261305'"),
                                                    ("20260105", "1.2.3", "TRNAMT '1.2.3' is not a number"),
                                                    ("20260105", "1,000.00", "TRNAMT '1,000.00' is not a number")])
def test_an_ofx_transaction_that_does_not_parse_is_named_by_its_fitid(posted, amount, words):
    message = refused(ofx_sgml([("20260104", "1.00", "OK1", "x"), (posted, amount, "BAD7", "y")]), currency="USD")
    assert message.startswith("STMTTRN 2 (FITID BAD7):") and words in message


def test_ofx_with_an_entity_declaration_is_refused_naming_the_line():
    bomb = ofx_xml([("20260105", "1.00", "X1", "&lol9;")]).replace(
        b"<OFX>", b'<!DOCTYPE OFX [<!ENTITY lol "lol"><!ENTITY lol9 "&lol;&lol;&lol;">]>\n<OFX>', 1)
    assert refused(bomb, currency="EUR").startswith("Line 3: the file declares <!DOCTYPE>")


def test_a_file_that_only_claims_to_be_ofx_is_refused():
    assert refused(b"OFXHEADER:100\r\nnonsense", currency="USD").startswith("This is not an OFX file Light can read")


# -- CAMT.053 -------------------------------------------------------------------------------------
def test_a_camt053_statement_reads_booked_entries_and_skips_pending_ones():
    data = camt053([("2026-01-05", "1500.00", "CRDT", "REF1", "STRIPE PAYOUT", "BOOK"),
                    ("2026-01-06", "20.10", "DBIT", "REF2", "Fee", "BOOK"),
                    ("2026-01-07", "5.00", "CRDT", "REF3", "Later", "PDNG")])
    assert detect_format(data) == "camt053"
    statement = parse(data, currency="EUR")
    assert statement.skipped == 1 and statement.account_number == "DE89370400440532013000"
    assert [(line.date, line.amount, line.bank_id, line.description) for line in statement.lines] == [
        (date(2026, 1, 5), 150000, "REF1", "STRIPE PAYOUT"), (date(2026, 1, 6), -2010, "REF2", "Fee")]


def test_an_older_camt053_version_with_a_plain_status_reads():
    data = camt053([("2026-01-05", "7", "CRDT", "", "x", "BOOK")], currency="JPY", version="001.02")
    assert [line.amount for line in parse(data, currency="JPY").lines] == [7]


def test_camt053_with_an_entity_expansion_is_refused():
    bomb = camt053([("2026-01-05", "1", "CRDT", "R", "&a;", "BOOK")]).replace(
        b"<Document", b'<!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa">]>\n<Document', 1)
    assert refused(bomb, currency="EUR").startswith("DOCTYPE: the file declares a DOCTYPE")


@pytest.mark.parametrize("entry, where", [
    (("2026-02-30", "1", "CRDT", "R", "x", "BOOK"), "Ntry 1 (BookgDt)"),
    (("2026-01-05", "1.2.3", "CRDT", "R", "x", "BOOK"), "Ntry 1 (Amt)"),
    (("2026-01-05", "1", "SIDEWAYS", "R", "x", "BOOK"), "Ntry 1 (CdtDbtInd)"),
])
def test_a_camt053_entry_that_does_not_parse_is_named(entry, where):
    assert refused(camt053([entry]), currency="EUR").startswith(where)


def test_malformed_xml_names_its_line():
    data = camt053([("2026-01-05", "1", "CRDT", "R", "x", "BOOK")]).replace(b"</Stmt>", b"</Stmtt>")
    assert refused(data, currency="EUR").startswith("Line 2: the XML is not well-formed")


def test_another_iso20022_message_is_refused_by_name():
    with pytest.raises(StatementError, match="camt.054"):
        detect_format(b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/>')


# -- the stable key -------------------------------------------------------------------------------
def test_identical_lines_without_a_bank_id_get_different_keys_but_the_same_keys_in_another_file():
    two = parse(csv_bytes("2026-01-02,Coffee,-3.00", "2026-01-02,Coffee,-3.00"), currency="USD", mapping=POINT)
    keys = [key for key, _ in keyed(two.lines)]
    assert len(set(keys)) == 2
    overlapping = parse(csv_bytes("2026-01-02,Coffee,-3.00", "2026-01-02,Coffee,-3.00", "2026-01-03,Tea,-2.00"),
                        currency="USD", mapping=POINT)
    assert [key for key, _ in keyed(overlapping.lines)][:2] == keys
