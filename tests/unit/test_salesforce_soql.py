"""The SOQL Light sends is built from describe, with literals escaped."""
from datetime import UTC, datetime, timedelta, timezone

from light.plumbing.salesforce_gateway import OpportunityFields, parse_datetime, soql

ALL = OpportunityFields(frozenset({"Id", "Name", "Amount", "IsWon", "SystemModstamp", "CurrencyIsoCode", "AccountId",
                                   "ContactId"}), multi_currency=True, write_back=())
BARE = OpportunityFields(frozenset({"Id", "IsWon", "SystemModstamp"}), multi_currency=False, write_back=())


def test_literals_escape_quotes_backslashes_and_line_breaks():
    assert soql.literal("O'Brien\\x\n") == "'O\\'Brien\\\\x\\n'"


def test_datetimes_are_unquoted_utc():
    at = datetime(2026, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    assert soql.datetime_literal(at) == "2026-01-01T07:30:00Z"


def test_the_won_query_uses_is_won_and_the_watermark_and_only_fields_that_exist():
    text = soql.won_since(ALL, datetime(2026, 1, 1, tzinfo=UTC))
    assert "WHERE IsWon = true AND SystemModstamp > 2026-01-01T00:00:00Z ORDER BY SystemModstamp ASC, Id ASC" in text
    assert "CurrencyIsoCode" in text and "Contact.Email, Contact.Name" in text and "StageName" not in text
    bare = soql.won_since(BARE, None)
    assert "CurrencyIsoCode" not in bare and "Amount" not in bare and "Account.Name" not in bare
    assert bare.endswith("WHERE IsWon = true ORDER BY SystemModstamp ASC, Id ASC")


def test_salesforce_datetimes_are_read_as_utc():
    assert parse_datetime("2026-12-03T09:15:00.000+0000") == datetime(2026, 12, 3, 9, 15, tzinfo=UTC)
    assert parse_datetime("2026-12-03T10:15:00.000+0100") == datetime(2026, 12, 3, 9, 15, tzinfo=UTC)
