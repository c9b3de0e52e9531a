"""A bank deposit matched to the Stripe payout it carries, on plain values."""
from datetime import date

import pytest

from light.statements.deposits import Deposit, Payout, decide, shift_business_days, window

FRIDAY = date(2026, 1, 9)


def deposit(day, amount=150000, text="STRIPE TRANSFER ST-XYZ", currency="USD", id=1):
    return Deposit(id=id, date=day, amount=amount, currency=currency, text=text)


def payout(arrival=FRIDAY, amount=150000, currency="USD", id=10, trace_id=None):
    return Payout(id=id, stripe_id=f"po_{id}", amount=amount, currency=currency, arrival=arrival, trace_id=trace_id)


@pytest.mark.parametrize("day, count, expected", [
    (FRIDAY, 1, date(2026, 1, 12)), (FRIDAY, 3, date(2026, 1, 14)), (FRIDAY, -1, date(2026, 1, 8)),
    (date(2026, 1, 10), -1, FRIDAY), (date(2026, 1, 10), 3, date(2026, 1, 14)), (date(2026, 1, 12), -1, FRIDAY),
    (FRIDAY, 0, FRIDAY)])
def test_business_days_skip_weekends(day, count, expected):
    assert shift_business_days(day, count) == expected


def test_the_window_is_one_business_day_before_to_three_after():
    assert window(FRIDAY) == (date(2026, 1, 8), date(2026, 1, 14))


@pytest.mark.parametrize("day, outcome", [(date(2026, 1, 7), "none"), (date(2026, 1, 8), "link"), (FRIDAY, "link"),
                                          (date(2026, 1, 14), "link"), (date(2026, 1, 15), "none")])
def test_a_deposit_links_only_inside_the_window(day, outcome):
    assert decide([deposit(day)], [payout()])[0].outcome == outcome


def test_a_unique_fit_links_and_says_why():
    decision = decide([deposit(date(2026, 1, 12), text="stripe payments uk")], [payout()])[0]
    assert decision.outcome == "link" and decision.payout_ids == (10,)
    assert decision.reason == ('Same amount and currency as payout po_10, booked 1 business day after its arrival, '
                               'and the text names "STRIPE".')


@pytest.mark.parametrize("changed", [dict(amount=150001), dict(currency="EUR"), dict(text="ACME LTD TRANSFER"),
                                     dict(amount=-150000)])
def test_amount_currency_and_text_must_all_fit(changed):
    fields = dict(day=FRIDAY) | changed
    assert decide([deposit(**fields)], [payout()])[0].outcome == "none"


def test_the_payouts_trace_id_is_enough_without_the_word_stripe():
    found = decide([deposit(FRIDAY, text="ACH CREDIT 021000021ABCD")], [payout(trace_id="021000021abcd")])[0]
    assert found.outcome == "link" and "trace id 021000021abcd" in found.reason


def test_two_fitting_payouts_are_suggested_never_linked():
    decision = decide([deposit(FRIDAY)], [payout(id=10), payout(id=11, arrival=date(2026, 1, 12))])[0]
    assert decision.outcome == "suggest" and decision.payout_ids == (10, 11)


def test_two_deposits_fitting_one_payout_are_both_suggested():
    decisions = decide([deposit(FRIDAY, id=1), deposit(date(2026, 1, 12), id=2)], [payout()])
    assert [(d.outcome, d.payout_ids) for d in decisions] == [("suggest", (10,)), ("suggest", (10,))]
    assert "Another deposit fits this payout too." in decisions[0].reason


@pytest.mark.parametrize("currency, amount", [("JPY", 500000), ("KWD", 1234)])
def test_zero_and_three_decimal_currencies_match_on_exact_minor_units(currency, amount):
    assert decide([deposit(FRIDAY, amount=amount, currency=currency)],
                  [payout(amount=amount, currency=currency)])[0].outcome == "link"
