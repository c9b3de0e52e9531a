"""The core path against the Stripe sandbox: customer → invoice → issue → pay link → Checkout →
webhook → paid and card saved → the next invoice charged off-session with no action."""
from datetime import timedelta

import pytest

from light.customers.models import Customer
from light.extensions import db
from light.invoices.models import InvoiceEvent
from light.utc import utcnow
from tests.fixtures.invoices import (
    checkout,
    create_invoice,
    invoice_form,
    issue,
    on_the_sandbox,
    paid_once_through_checkout,
    path_of,
    pay_link_in,
    reload,
)

TODAY = utcnow().date()


@pytest.fixture
def app_config(app_config, stripe_sandbox):
    return on_the_sandbox(app_config, stripe_sandbox)


def kinds(invoice):
    return [e.kind for e in InvoiceEvent.query.filter_by(invoice_id=invoice.id).order_by(InvoiceEvent.id)]


def test_first_invoice_is_paid_through_checkout_and_the_second_is_charged_to_the_saved_card(
        client, org, stripe_sandbox, smtp_server, run_jobs):
    invoice = create_invoice(client, issue=str(TODAY), due=str(TODAY + timedelta(days=14)))
    assert invoice.status == "draft" and invoice.number is None
    assert invoice.total == 36000  # 2 × 150.00 + 20% tax

    invoice = issue(client, run_jobs, invoice)
    assert (invoice.status, invoice.number) == ("issued", "INV-0001")
    assert invoice.customer.stripe_customer_id.startswith("cus_")
    [mail] = smtp_server.to("ada.customer@example.com")
    link = pay_link_in(smtp_server.text(mail))
    assert link == f"http://light.test/pay/{invoice.pay_token}"

    page = client.get(path_of(link))
    assert page.status_code == 200 and "Pay with Stripe" in page.get_data(as_text=True)
    paid = stripe_sandbox.pay_checkout(checkout(client, invoice), card="4242424242424242")
    assert paid.status_code == 303

    org.relay.deliver(run_jobs)
    invoice = reload(invoice)
    assert invoice.status == "paid" and invoice.amount_paid == 36000
    assert invoice.stripe_payment_intent_id.startswith("pi_")
    customer = db.session.get(Customer, invoice.customer_id)
    assert (customer.card_brand, customer.card_last4) == ("visa", "4242")
    assert customer.payment_method_id.startswith("pm_")
    receipts = [m for m in smtp_server.to("ada.customer@example.com") if m["Subject"].startswith("Receipt")]
    assert len(receipts) == 1
    assert {"issued", "sent", "link_opened", "checkout", "payment", "receipt"} <= set(kinds(invoice))

    # The second invoice: charged to the saved card the day it falls due, nobody asked anything.
    before = len(smtp_server.to("ada.customer@example.com"))
    second = create_invoice(client, customer_id=customer.id, issue=str(TODAY), due=str(TODAY),
                            lines=(("Support", "1", "99.00", "0"),))
    second = issue(client, run_jobs, second)
    assert (second.status, second.number) == ("paid", "INV-0002")
    assert second.amount_paid == 9900 and second.stripe_payment_intent_id != invoice.stripe_payment_intent_id
    new_mail = smtp_server.to("ada.customer@example.com")[before:]
    assert [m["Subject"].split(" ")[0] for m in new_mail] == ["Receipt"]
    assert "Visa ending 4242" in smtp_server.text(new_mail[0])
    assert "charge_attempt" in kinds(second) and "sent" not in kinds(second)


def second_invoice(client, run_jobs, customer_id, **kwargs):
    kwargs.setdefault("lines", (("Support", "1", "99.00", "0"),))
    return issue(client, run_jobs, create_invoice(client, customer_id=customer_id, issue=str(TODAY), due=str(TODAY),
                                                  **kwargs))


def subjects(smtp_server, address):
    return [m["Subject"] for m in smtp_server.to(address)]


def test_a_card_saved_through_checkout_with_3155_is_then_charged_off_session_without_asking(
        client, org, stripe_sandbox, smtp_server, run_jobs):
    first = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4000002500003155")
    assert first.customer.card_last4 == "3155"
    second = second_invoice(client, run_jobs, first.customer_id)
    org.relay.deliver(run_jobs)
    assert reload(second).status == "paid"
    assert not any("confirm" in s.lower() for s in subjects(smtp_server, "ada.customer@example.com"))


def test_a_card_that_always_needs_authentication_makes_the_invoice_action_required_and_mails_the_pay_link(
        client, org, stripe_sandbox, smtp_server, run_jobs):
    first = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4000002760003184")
    second = second_invoice(client, run_jobs, first.customer_id)
    assert second.status == "action_required"
    confirm = [m for m in smtp_server.to("ada.customer@example.com") if "confirm your payment" in m["Subject"]]
    assert len(confirm) == 1
    assert pay_link_in(smtp_server.text(confirm[0])).endswith(second.pay_token)
    org.relay.deliver(run_jobs)  # the payment_failed webhook about the same attempt changes nothing
    assert kinds(second).count("action_required") == 1
    customer = db.session.get(Customer, second.customer_id)
    assert customer.has_saved_card  # auto-billing stays on for later invoices

    # The customer confirms on-session through the pay link, authenticating at the bank.
    stripe_sandbox.pay_checkout(checkout(client, second), card="4000002760003184", authenticate="complete")
    org.relay.deliver(run_jobs)
    assert reload(second).status == "paid"


def test_a_declined_saved_card_fails_the_invoice_tells_team_and_customer_and_is_never_retried(
        client, org, stripe_sandbox, smtp_server, run_jobs, app):
    first = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    customer = saved_card_now_declines(org, stripe_sandbox, first.customer_id)

    second = second_invoice(client, run_jobs, customer.id)
    assert second.status == "payment_failed"
    assert second.charge_attempts == 1
    assert any("failed" in s for s in subjects(smtp_server, "ada.customer@example.com"))
    assert any(s.startswith("Payment failed: invoice INV-0002") for s in subjects(smtp_server, org.person.email))
    org.relay.deliver(run_jobs)
    assert kinds(reload(second)).count("payment_failed") == 1

    from light.invoices import reminders as jobs
    intents = len(stripe_sandbox.api("GET", "/v1/payment_intents", org.key, limit=100).json()["data"])
    jobs.remind_and_mark_overdue()
    assert reload(second).charge_attempts == 1
    assert len(stripe_sandbox.api("GET", "/v1/payment_intents", org.key, limit=100).json()["data"]) == intents


def saved_card_now_declines(org, stripe_sandbox, customer_id) -> Customer:
    """Card 0341 attaches to a customer fine, then every charge fails."""
    customer = db.session.get(Customer, customer_id)
    method = stripe_sandbox.api("POST", "/v1/payment_methods", org.key, type="card",
                                card={"number": "4000000000000341", "exp_month": 12, "exp_year": 2034}).json()
    stripe_sandbox.api("POST", f"/v1/payment_methods/{method['id']}/attach", org.key,
                       customer=customer.stripe_customer_id)
    customer.payment_method_id, customer.card_last4 = method["id"], "0341"
    db.session.commit()
    return customer


def test_a_retry_the_team_starts_after_a_decline_is_on_the_timeline_when_declined_again(
        client, org, stripe_sandbox, smtp_server, run_jobs):
    first = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    customer = saved_card_now_declines(org, stripe_sandbox, first.customer_id)
    second = second_invoice(client, run_jobs, customer.id)
    assert second.status == "payment_failed" and kinds(second).count("payment_failed") == 1

    assert client.post(f"/invoices/{second.id}/charge").status_code == 303
    run_jobs()
    org.relay.deliver(run_jobs, duplicate=True)
    second = reload(second)
    assert second.status == "payment_failed" and second.charge_attempts == 2
    assert kinds(second).count("payment_failed") == 2  # one per attempt, however many webhooks
    team = [s for s in subjects(smtp_server, org.person.email) if s.startswith("Payment failed")]
    assert len(team) == 2


def test_a_late_failure_of_an_earlier_off_session_charge_never_turns_a_paid_invoice_back(
        client, org, stripe_sandbox, smtp_server, run_jobs):
    from light.invoices.collection import Collection
    from light.plumbing.stripe_gateway import CardDeclined

    first = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    customer = saved_card_now_declines(org, stripe_sandbox, first.customer_id)
    gateway = Collection.of(first.organization_id).gateway
    with pytest.raises(CardDeclined):  # an off-session charge of this invoice, declined, reported late
        gateway.charge_saved_payment_method(
            customer_id=customer.stripe_customer_id, payment_method_id=customer.payment_method_id,
            amount=first.total, currency="usd", idempotency_key="late-failure",
            metadata={"light_invoice_id": str(first.id), "light_charge": "off_session"})
    mails = len(smtp_server.to("ada.customer@example.com"))
    assert org.relay.deliver(run_jobs, types={"payment_intent.payment_failed"})
    first = reload(first)
    assert first.status == "paid" and "payment_failed" not in kinds(first)
    assert len(smtp_server.to("ada.customer@example.com")) == mails


def test_duplicate_webhooks_record_one_payment_and_send_one_receipt(client, org, stripe_sandbox, smtp_server,
                                                                    run_jobs):
    invoice = issue(client, run_jobs, create_invoice(client, issue=str(TODAY), due=str(TODAY + timedelta(days=3))))
    stripe_sandbox.pay_checkout(checkout(client, invoice), card="4242424242424242")
    org.relay.deliver(run_jobs, duplicate=True)
    for event in org.relay.events():  # and Stripe retries the lot later
        org.relay.post(event)
    run_jobs()
    invoice = reload(invoice)
    assert invoice.status == "paid" and invoice.amount_paid == invoice.total
    assert kinds(invoice).count("payment") == 1
    assert len([s for s in subjects(smtp_server, "ada.customer@example.com") if s.startswith("Receipt")]) == 1


def test_a_double_clicked_issue_numbers_once_and_writes_to_stripe_once(client, org, stripe_sandbox, run_jobs,
                                                                      smtp_server):
    invoice = create_invoice(client, issue=str(TODAY), due=str(TODAY + timedelta(days=3)))
    assert client.post(f"/invoices/{invoice.id}/issue").status_code == 303
    assert client.post(f"/invoices/{invoice.id}/issue").status_code == 303
    run_jobs()
    invoice = reload(invoice)
    assert invoice.number == "INV-0001"
    assert kinds(invoice).count("issued") == 1 and kinds(invoice).count("sent") == 1
    customers = stripe_sandbox.api("GET", "/v1/customers", org.key, limit=100).json()["data"]
    assert len(customers) == 1
    assert len(smtp_server.to("ada.customer@example.com")) == 1


@pytest.mark.parametrize("currency,price,tax,total", [("JPY", "1200", "10", 1320), ("KWD", "1.250", "0", 1250)])
def test_zero_and_three_decimal_currencies_are_charged_in_exact_minor_units(
        client, org, stripe_sandbox, run_jobs, currency, price, tax, total):
    invoice = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242",
                                         currency=currency, lines=(("Licence", "1", price, tax),))
    assert invoice.total == total and invoice.amount_paid == total
    intent = stripe_sandbox.api("GET", f"/v1/payment_intents/{invoice.stripe_payment_intent_id}", org.key).json()
    assert (intent["amount"], intent["currency"]) == (total, currency.lower())
    second = second_invoice(client, run_jobs, invoice.customer_id, currency=currency,
                            lines=(("Licence", "2", price, tax),))
    assert second.status == "paid" and second.amount_paid == 2 * total


def test_a_kwd_total_stripe_cannot_charge_is_refused_on_the_form(client, org):
    response = client.post("/invoices/new", data=invoice_form(currency="KWD", lines=(("Licence", "1", "1.255", "0"),)))
    assert response.status_code == 422
    assert "steps of 0.010" in response.get_data(as_text=True)


def test_a_refund_in_stripe_shows_on_the_invoice(client, org, stripe_sandbox, run_jobs):
    invoice = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    stripe_sandbox.api("POST", "/v1/refunds", org.key, payment_intent=invoice.stripe_payment_intent_id, amount=10000)
    org.relay.deliver(run_jobs, duplicate=True)
    invoice = reload(invoice)
    assert invoice.amount_refunded == 10000
    assert kinds(invoice).count("refunded") == 1
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Refunded" in page and "-$100.00" in page
