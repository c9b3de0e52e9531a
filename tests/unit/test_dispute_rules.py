"""A dispute's effect on an invoice's status, and the Refund button's limits, on plain values."""
import pytest

from light.invoices.dispute_rules import status_after_close
from light.invoices.refunds import refund_problem


@pytest.mark.parametrize("outcome, status, paid, total, credited, expected", [
    ("won", "disputed", 36000, 36000, 0, "paid"),
    ("warning_closed", "disputed", 36000, 36000, 0, "paid"),
    ("won", "disputed", 36000, 36000, 6000, "partially_refunded"),
    ("won", "disputed", 36000, 36000, 36000, "refunded"),
    ("won", "disputed", 10000, 36000, 0, "partially_paid"),
    ("lost", "disputed", 36000, 36000, 0, "dispute_lost"),
    ("won", "paid", 36000, 36000, 0, "paid"),  # closed before the opening arrived
    ("lost", "paid", 36000, 36000, 0, "dispute_lost"),
    ("won", "dispute_lost", 36000, 36000, 0, "dispute_lost"),
    ("won", "void", 0, 36000, 0, "void"),
])
def test_a_closed_dispute_puts_the_invoice_where_its_money_says(outcome, status, paid, total, credited, expected):
    assert status_after_close(outcome, status=status, paid=paid, total=total, credited=credited) == expected


@pytest.mark.parametrize("amount, left, problem", [
    (1, 1, None), (36000, 36000, None), (0, 100, "above zero"), (-1, 100, "above zero"),
    (101, 100, "At most 100"), (1, 0, "Nothing is left"),
])
def test_a_refund_stays_within_what_is_left(amount, left, problem):
    found = refund_problem(amount, left=left, currency_text=str)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize("status, returned, written", [
    ("paid", 0, "Paid"), ("disputed", 0, "Paid"), ("dispute_lost", 0, "Payment failed"),
    ("partially_refunded", 100, "Refunded"), ("issued", 0, "Sent"),
])
def test_salesforce_is_written_one_of_its_five_values_for_a_disputed_invoice(status, returned, written):
    from types import SimpleNamespace

    from light.salesforce.writeback import status_of

    assert status_of(SimpleNamespace(status=status, amount_returned=returned)) == written
