"""Contracts: each period invoiced exactly once, across month ends and leap years, with the clock
run twice, late, or after downtime; Stripe contracts charge the saved card or send the pay link."""
from datetime import date, datetime, timedelta

import pytest
from freezegun import freeze_time

from light.contracts import jobs
from light.contracts.models import Contract
from light.extensions import db
from light.invoices.models import Invoice
from light.plumbing.jobs import clock
from tests.fixtures.invoices import checkout, invoice_form, on_the_sandbox, reload


@pytest.fixture
def app_config(app_config, stripe_sandbox):
    return on_the_sandbox(app_config, stripe_sandbox)


def contract_form(**kwargs):
    form = invoice_form(method=kwargs.pop("method", "bank_transfer"), lines=kwargs.pop("lines", (("Plan", "1", "49.00", "0"),)))
    for key in ("issue_date", "due_date"):
        form.pop(key)
    form.update(frequency="monthly", start_date="2024-01-31", end_date="", days_until_due="0")
    form.update(kwargs)
    return form


def periods_billed(contract_id):
    return [(i.period_start, i.number) for i in
            Invoice.query.filter_by(contract_id=contract_id).order_by(Invoice.period_start)]


def test_create_contract_form_uses_the_products_words(client, auth):
    auth.login(auth.create_owner())
    html = client.get("/contracts/new").get_data(as_text=True)
    for words in ("Create Contract", "Payment method", "Billing frequency", "Quarterly", "Yearly", "Add line"):
        assert words in html


def test_bad_contract_input_is_refused_and_nothing_is_written(client, auth):
    auth.login(auth.create_owner())
    response = client.post("/contracts/new", data=contract_form(frequency="weekly", start_date="2024-02-01",
                                                                 end_date="2024-01-01"))
    assert response.status_code == 422
    assert Contract.query.count() == 0


def test_the_clock_bills_each_period_once_across_month_ends_leap_february_and_downtime(client, auth, run_jobs):
    auth.login(auth.create_owner())
    with freeze_time("2024-01-31 08:00") as frozen:
        response = client.post("/contracts/new", data=contract_form())
        assert response.status_code == 303
        contract = Contract.query.one()
        run_jobs()
        assert periods_billed(contract.id) == [(date(2024, 1, 31), "INV-0001")]

        frozen.move_to("2024-02-28 23:00")  # not yet: 2024 is a leap year
        jobs.bill_due_contracts()
        assert len(periods_billed(contract.id)) == 1

        frozen.move_to("2024-02-29 00:30")
        assert "contract_billing" in clock.tick(datetime(2024, 2, 29, 0, 30))
        assert "contract_billing" not in clock.tick(datetime(2024, 2, 29, 0, 31))  # the clock ran twice
        run_jobs()
        jobs.bill_due_contracts()  # and a second clock process raced past the guard
        assert periods_billed(contract.id)[-1] == (date(2024, 2, 29), "INV-0002")

        frozen.move_to("2024-05-02 10:00")  # the clock was down for two months
        jobs.bill_due_contracts()
        jobs.bill_due_contracts()
    assert periods_billed(contract.id) == [(date(2024, 1, 31), "INV-0001"), (date(2024, 2, 29), "INV-0002"),
                                           (date(2024, 3, 31), "INV-0003"), (date(2024, 4, 30), "INV-0004")]
    april = Invoice.query.filter_by(contract_id=contract.id, period_start=date(2024, 4, 30)).one()
    # Invoiced on 2 May, due on its period's first day (30 April): Overdue as soon as it is issued.
    assert (april.period_end, april.status, april.total) == (date(2024, 5, 30), "overdue", 4900)
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "INV-0004" in page and "31 May 2024" in page  # billed periods and the next one


def test_a_contract_with_an_end_date_ends_after_its_last_period(client, auth):
    auth.login(auth.create_owner())
    with freeze_time("2025-01-15 09:00"):
        client.post("/contracts/new", data=contract_form(frequency="quarterly", start_date="2024-11-30",
                                                         end_date="2025-03-01"))
        contract = Contract.query.one()
        jobs.bill_due_contracts()
    assert [p for p, _ in periods_billed(contract.id)] == [date(2024, 11, 30)]
    with freeze_time("2025-06-01 09:00"):
        jobs.bill_due_contracts()
    assert [p for p, _ in periods_billed(contract.id)] == [date(2024, 11, 30), date(2025, 2, 28)]
    assert reload_contract(contract).status == "ended"
    ended = Invoice.query.filter_by(contract_id=contract.id, period_start=date(2025, 2, 28)).one()
    assert ended.period_end == date(2025, 3, 1)


def reload_contract(contract):
    db.session.expire_all()
    return db.session.get(Contract, contract.id)


def test_a_cancelled_contract_bills_no_more_periods(client, auth):
    auth.login(auth.create_owner())
    with freeze_time("2025-01-01 09:00"):
        client.post("/contracts/new", data=contract_form(start_date="2025-01-01"))
        contract = Contract.query.one()
        client.post(f"/contracts/{contract.id}/cancel")
    with freeze_time("2025-03-01 09:00"):
        jobs.bill_due_contracts()
    assert len(periods_billed(contract.id)) <= 1


def test_a_stripe_contract_sends_the_pay_link_first_then_charges_the_saved_card_each_period(
        client, org, stripe_sandbox, smtp_server, run_jobs):
    today = date.today()
    client.post("/contracts/new", data=contract_form(method="stripe", start_date=str(today)))
    contract = Contract.query.one()
    run_jobs()
    first = Invoice.query.filter_by(contract_id=contract.id).one()
    assert first.status == "issued"
    assert any("Invoice INV-0001" in m["Subject"] for m in smtp_server.to("ada.customer@example.com"))
    stripe_sandbox.pay_checkout(checkout(client, first), card="4242424242424242")
    org.relay.deliver(run_jobs)
    assert reload(first).status == "paid"

    # A month later the clock bills the next period: charged to the saved card, nothing asked.
    with freeze_time(datetime.now() + timedelta(days=31)):
        jobs.bill_due_contracts()
        jobs.bill_due_contracts()
    second = Invoice.query.filter_by(contract_id=contract.id).order_by(Invoice.period_start.desc()).first()
    assert second.id != first.id and second.number == "INV-0002"
    assert second.status == "paid" and second.amount_paid == 4900
    assert Invoice.query.filter_by(contract_id=contract.id).count() == 2


def test_a_contract_can_start_up_to_a_year_ago_but_not_further_back(client, auth):
    auth.login(auth.create_owner())
    with freeze_time("2026-11-25 09:00"):
        too_early = client.post("/contracts/new", data=contract_form(start_date="2025-11-23"))
        assert too_early.status_code == 422
        assert "at most a year ago" in too_early.get_data(as_text=True)
        assert Contract.query.count() == 0
        assert client.post("/contracts/new", data=contract_form(start_date="2025-11-26")).status_code == 303
