"""A won opportunity becomes an invoice plan, or "Needs attention" with the reason: plain data."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from light.plumbing.salesforce_gateway import ContactRole, LineItem, Opportunity
from light.salesforce.deals import NeedsAttention, choose_contact, plan, to_minor

STAMP = datetime(2026, 12, 1, tzinfo=UTC)


def deal(**fields):
    values = {"id": "006000000000001AAA", "name": "Annual licence", "amount": Decimal("1200.00"), "currency": "USD",
              "is_won": True, "system_modstamp": STAMP,
              "contact_roles": (ContactRole("ada@example.com", "Ada", True),)}
    values.update(fields)
    return Opportunity(**values)


@pytest.mark.parametrize("amount, currency, minor", [
    ("1234.5", "USD", 123450), ("1200", "JPY", 1200), ("1.234", "KWD", 1234), ("0.01", "EUR", 1),
    ("1E+3", "JPY", 1000)])
def test_amounts_convert_exactly_to_minor_units(amount, currency, minor):
    assert to_minor(Decimal(amount), currency) == minor


@pytest.mark.parametrize("amount, currency", [("1200.50", "JPY"), ("1.2345", "KWD"), ("0.001", "USD")])
def test_an_amount_finer_than_the_currency_needs_attention(amount, currency):
    with pytest.raises(NeedsAttention, match="more decimals"):
        to_minor(Decimal(amount), currency)


def test_the_primary_contact_role_wins_then_the_opportunity_contact_then_a_single_role():
    roles = (ContactRole("other@example.com", "Other", False), ContactRole("primary@example.com", "P", True))
    assert choose_contact(deal(contact_roles=roles, contact_email="own@example.com"))[0] == "primary@example.com"
    assert choose_contact(deal(contact_roles=roles[:1], contact_email="own@example.com"))[0] == "own@example.com"
    assert choose_contact(deal(contact_roles=roles[:1]))[0] == "other@example.com"


def test_no_email_or_an_ambiguous_choice_needs_attention():
    with pytest.raises(NeedsAttention, match="No contact"):
        choose_contact(deal(contact_roles=(ContactRole(None, "No mail", True),)))
    two = (ContactRole("a@example.com", "A", False), ContactRole("b@example.com", "B", False))
    with pytest.raises(NeedsAttention, match="none is primary"):
        choose_contact(deal(contact_roles=two))


def test_without_line_items_one_line_carries_the_amount_in_the_org_currency():
    planned = plan(deal(currency=None, amount=Decimal("5000")), org_currency="JPY")
    assert planned.currency == "JPY" and [(line.quantity_milli, line.unit_price) for line in planned.lines] == [(1000, 5000)]
    assert planned.customer_name == "Ada" and planned.email == "ada@example.com"


def test_line_items_become_lines_and_a_discount_is_billed_at_its_total():
    items = (LineItem("Seats", Decimal("3"), Decimal("100.00"), None, Decimal("300.00")),
             LineItem("Setup", Decimal("1"), Decimal("1000.00"), Decimal("10"), Decimal("900.00")))
    planned = plan(deal(line_items=items), None)
    assert [(line.description, line.quantity_milli, line.unit_price) for line in planned.lines] == [
        ("Seats", 3000, 10000), ("Setup (1 × 1000.00, 10% discount)", 1000, 90000)]


def test_line_items_that_do_not_add_up_to_the_amount_need_attention():
    items = (LineItem("Seats", Decimal("3"), Decimal("100.00"), None, Decimal("300.00")),)
    with pytest.raises(NeedsAttention, match="add up to"):
        plan(deal(line_items=items, amount=Decimal("301")), None)


@pytest.mark.parametrize("fields, reason", [
    ({"amount": Decimal("-5")}, "zero or negative"), ({"amount": Decimal("0")}, "zero or negative"),
    ({"amount": Decimal("1E+20")}, "too large"), ({"amount": None}, "neither an Amount"),
    ({"currency": "XYZ"}, "can't be charged"), ({"name": "x" * 301}, "longer than")])
def test_untrusted_values_need_attention_with_the_reason(fields, reason):
    with pytest.raises(NeedsAttention, match=reason):
        plan(deal(**fields), None)
