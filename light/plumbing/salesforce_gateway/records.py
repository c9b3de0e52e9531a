"""Salesforce's JSON records into Light's dataclasses. Everything is untrusted: a field may be
missing, null, the wrong type or absurd; Light's services judge the values, this only reads them."""
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from light.plumbing.salesforce_gateway.types import (
    WRITE_BACK_FIELDS,
    ContactRole,
    LineItem,
    Opportunity,
    OpportunityFields,
    RequestRefused,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def opportunity_fields(describe: dict) -> OpportunityFields:
    fields = {f.get("name"): f for f in describe.get("fields", []) if isinstance(f, dict)}
    if "IsWon" not in fields or "SystemModstamp" not in fields:
        raise RequestRefused("The Salesforce user can't read Opportunity.IsWon and SystemModstamp: give it access "
                             "to those fields.", "INVALID_FIELD", 400)
    write_back = tuple(n for n in WRITE_BACK_FIELDS if fields.get(n, {}).get("updateable"))
    return OpportunityFields(names=frozenset(fields), multi_currency="CurrencyIsoCode" in fields, write_back=write_back)


def parse_datetime(text) -> datetime:
    """2026-12-03T09:15:00.000+0000 (Salesforce's shape) -> an aware UTC datetime."""
    value = str(text or "")
    if len(value) > 5 and value[-5] in "+-" and value[-4:].isdigit():
        value = value[:-2] + ":" + value[-2:]
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _children(record: dict, name: str) -> list[dict]:
    block = record.get(name)
    return [r for r in block.get("records", []) if isinstance(r, dict)] if isinstance(block, dict) else []


def _parent(record: dict, name: str) -> dict:
    value = record.get(name)
    return value if isinstance(value, dict) else {}


def opportunity_from(record: dict, fields: OpportunityFields) -> Opportunity:
    roles = tuple(ContactRole(email=_text(_parent(r, "Contact").get("Email")),
                              name=_text(_parent(r, "Contact").get("Name")), is_primary=r.get("IsPrimary") is True)
                  for r in _children(record, "OpportunityContactRoles"))
    lines = tuple(LineItem(name=_text(r.get("Name")), quantity=_decimal(r.get("Quantity")),
                           unit_price=_decimal(r.get("UnitPrice")), discount=_decimal(r.get("Discount")),
                           total_price=_decimal(r.get("TotalPrice")))
                  for r in _children(record, "OpportunityLineItems"))
    return Opportunity(
        id=str(record["Id"]), name=_text(record.get("Name")), amount=_decimal(record.get("Amount")),
        currency=_text(record.get("CurrencyIsoCode")) if fields.multi_currency else None,
        is_won=record.get("IsWon") is True,
        system_modstamp=parse_datetime(record["SystemModstamp"]) if record.get("SystemModstamp") else EPOCH,
        account_name=_text(_parent(record, "Account").get("Name")),
        contact_email=_text(_parent(record, "Contact").get("Email")),
        contact_name=_text(_parent(record, "Contact").get("Name")), contact_roles=roles, line_items=lines)
