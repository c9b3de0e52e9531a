"""The SOQL Light sends, built from what describe found (never a hard-coded field list), with its
literals escaped. Pure: no Flask, no database, no network."""
from datetime import UTC, datetime

from light.plumbing.salesforce_gateway.types import OpportunityFields

BASE_FIELDS = ("Id", "Name", "Amount", "IsWon", "SystemModstamp")
ROLES = "(SELECT Contact.Email, Contact.Name, IsPrimary FROM OpportunityContactRoles)"
LINES = ("(SELECT Name, Quantity, UnitPrice, Discount, TotalPrice, SortOrder FROM OpportunityLineItems "
         "ORDER BY SortOrder)")


def literal(value: str) -> str:
    """A string literal: quotes and backslashes escaped, line breaks spelt as SOQL's escapes."""
    escaped = (value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
               .replace("\t", "\\t").replace('"', '\\"'))
    return f"'{escaped}'"


def datetime_literal(value: datetime) -> str:
    """Unquoted, in UTC: 2026-01-01T00:00:00Z."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def select_fields(fields: OpportunityFields) -> list[str]:
    chosen = [name for name in BASE_FIELDS if name in fields.names or name == "Id"]
    if fields.multi_currency:
        chosen.append("CurrencyIsoCode")
    if "AccountId" in fields.names:
        chosen.append("Account.Name")
    if fields.has_contact:
        chosen += ["Contact.Email", "Contact.Name"]
    return chosen + [ROLES, LINES]


def won_since(fields: OpportunityFields, since: datetime | None) -> str:
    """Won opportunities changed after `since` (the watermark less the overlap), oldest first."""
    where = "IsWon = true" + (f" AND SystemModstamp > {datetime_literal(since)}" if since else "")
    return (f"SELECT {', '.join(select_fields(fields))} FROM Opportunity WHERE {where} "
            "ORDER BY SystemModstamp ASC, Id ASC")


def won_by_ids(fields: OpportunityFields, ids: list[str]) -> str:
    listed = ", ".join(literal(i) for i in ids)
    return f"SELECT {', '.join(select_fields(fields))} FROM Opportunity WHERE Id IN ({listed})"


def won_ids(fields: OpportunityFields) -> str:
    """Every opportunity already won (at connect time: these are recorded, never invoiced)."""
    close = ", CloseDate" if "CloseDate" in fields.names else ""
    return f"SELECT Id, SystemModstamp{close} FROM Opportunity WHERE IsWon = true ORDER BY SystemModstamp ASC, Id ASC"


def current_state(fields: OpportunityFields, ids: list[str]) -> str:
    """Whether invoiced deals are still won, and at what Amount (a deleted one is simply absent)."""
    amount = ", Amount" if "Amount" in fields.names else ""
    currency = ", CurrencyIsoCode" if fields.multi_currency else ""
    listed = ", ".join(literal(i) for i in ids)
    return f"SELECT Id, IsWon{amount}{currency} FROM Opportunity WHERE Id IN ({listed})"
