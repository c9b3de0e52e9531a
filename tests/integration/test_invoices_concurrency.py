"""A real double click: two Issue requests at the same moment, from two threads with their own
database sessions. One number, one Stripe customer, one charge, one e-mail."""
import threading
from datetime import timedelta

import pytest

from light.utc import utcnow
from tests.fixtures.invoices import create_invoice, on_the_sandbox, paid_once_through_checkout, reload

TODAY = utcnow().date()


@pytest.fixture
def app_config(app_config, stripe_sandbox):
    return on_the_sandbox(app_config, stripe_sandbox)


def click_twice_at_once(app, url, cookie_jar_client):
    barrier = threading.Barrier(2)
    statuses = []
    cookie = cookie_jar_client.get_cookie("session")

    def click():
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        barrier.wait()
        statuses.append(client.post(url).status_code)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


def test_two_simultaneous_issue_clicks_number_once_and_write_to_stripe_once(app, client, org, stripe_sandbox,
                                                                            run_jobs, smtp_server):
    invoice = create_invoice(client, issue=str(TODAY), due=str(TODAY + timedelta(days=3)))
    statuses = click_twice_at_once(app, f"/invoices/{invoice.id}/issue", client)
    assert sorted(statuses) in ([303, 303], [303, 409], [303, 422])
    run_jobs()
    invoice = reload(invoice)
    assert invoice.number == "INV-0001"
    assert len(stripe_sandbox.api("GET", "/v1/customers", org.key, limit=100).json()["data"]) == 1
    assert len(smtp_server.to("ada.customer@example.com")) == 1


def test_two_simultaneous_issue_clicks_charge_a_saved_card_once(app, client, org, stripe_sandbox, run_jobs):
    first = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    second = create_invoice(client, customer_id=first.customer_id, issue=str(TODAY), due=str(TODAY),
                            lines=(("Support", "1", "99.00", "0"),))
    click_twice_at_once(app, f"/invoices/{second.id}/issue", client)
    run_jobs()
    second = reload(second)
    assert second.status == "paid" and second.amount_paid == 9900
    intents = stripe_sandbox.api("GET", "/v1/payment_intents", org.key, limit=100).json()["data"]
    assert len([pi for pi in intents if pi["metadata"].get("light_invoice_id") == str(second.id)]) == 1
