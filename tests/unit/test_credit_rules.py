"""Credit notes' rules on plain integers: numbering, how much may be credited, the status."""
import pytest

from light.invoices import credit_rules as rules


def text(minor):
    return f"${minor / 100:.2f}"


def test_credit_notes_are_numbered_in_their_own_series_with_the_prefix():
    assert rules.number("CN-", 1) == "CN-0001"
    assert rules.number("2026/CN", 42) == "2026/CN0042"
    assert rules.number("CN-", 12345) == "CN-12345"
    assert rules.number("", 7) == "CN-0007"  # no prefix set: the default one


def test_a_credit_note_number_starts_at_one():
    with pytest.raises(ValueError):
        rules.number("CN-", 0)


@pytest.mark.parametrize(("amount", "paid", "credited", "problem"), [
    (5000, 10000, 0, None),
    (10000, 10000, 0, None),  # the whole payment
    (4000, 10000, 6000, None),  # exactly what is left
    (4001, 10000, 6000, "At most $40.00: what was paid, less what is credited already."),
    (1, 10000, 10000, "Nothing is left to credit: what was paid is credited already."),
    (0, 10000, 0, "Enter an amount above zero."),
    (-100, 10000, 0, "Enter an amount above zero."),
    (100, 0, 0, "Nothing is left to credit: what was paid is credited already."),  # nothing paid
])
def test_a_credit_note_by_hand_is_at_most_what_was_paid_less_what_is_credited(amount, paid, credited, problem):
    assert rules.manual_credit_problem(amount, paid=paid, credited=credited, currency_text=text) == problem


@pytest.mark.parametrize(("refund", "paid", "credited", "credit"), [
    (3000, 10000, 0, 3000),
    (10000, 10000, 3000, 7000),  # a note typed by hand covered part of the same money already
    (5000, 10000, 10000, 0),  # all credited already: no credit note
    (5000, 0, 0, 0),
])
def test_a_stripe_refunds_credit_note_covers_only_what_is_not_credited_yet(refund, paid, credited, credit):
    assert rules.credit_for_refund(refund, paid=paid, credited=credited) == credit


@pytest.mark.parametrize(("status", "paid", "credited", "after"), [
    ("paid", 10000, 2500, "partially_refunded"),
    ("paid", 10000, 10000, "refunded"),
    ("partially_refunded", 10000, 10000, "refunded"),
    ("partially_refunded", 10000, 4000, "partially_refunded"),
    ("refunded", 10000, 10000, "refunded"),
    ("paid", 10000, 0, "paid"),
    ("partially_paid", 5000, 5000, "partially_paid"),  # still owed: it stays open
    ("overdue", 5000, 1000, "overdue"),
    ("void", 0, 0, "void"),
])
def test_the_status_follows_what_credit_notes_gave_back(status, paid, credited, after):
    assert rules.status_after(status, paid=paid, credited=credited) == after


def test_what_is_left_to_credit_is_never_negative():
    assert rules.creditable(paid=100, credited=250) == 0
    assert rules.creditable(paid=1000, credited=250) == 750
