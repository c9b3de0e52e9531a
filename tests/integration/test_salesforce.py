"""Salesforce end to end against the local Salesforce and the Stripe sandbox: connecting (owners
only, state + PKCE + signature), deals won before connecting never invoiced, a deal marked
Closed/Won invoiced once and its pay link e-mailed to a real SMTP server, "Needs attention" with
the reason, session refresh, invalid_grant, disconnect, and another organization's 404."""
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import text

from light.customers.models import Customer
from light.extensions import db
from light.integrations.models import Integration
from light.invoices.models import Invoice, InvoiceEvent
from light.salesforce import polling, services
from light.salesforce.models import SalesforceConnection, SalesforceDeal, SalesforceNotification
from light.utc import utcnow
from salesforce_sandbox import CONSUMER_KEY, CONSUMER_SECRET
from tests.fixtures.invoices import checkout, on_the_sandbox, path_of, pay_link_in
from tests.unit.test_salesforce_outbound import envelope


@pytest.fixture
def app_config(app_config, stripe_sandbox, salesforce_sandbox):
    on_the_sandbox(app_config, stripe_sandbox)
    app_config.update(SALESFORCE_CLIENT_ID=CONSUMER_KEY, SALESFORCE_CLIENT_SECRET=CONSUMER_SECRET,
                      SALESFORCE_PRODUCTION_LOGIN_URL=salesforce_sandbox.url,
                      SALESFORCE_SANDBOX_LOGIN_URL=salesforce_sandbox.url)
    return app_config


def connect(client, sandbox, sf_org, environment="production", **form):
    """Add New Integration > Salesforce, Allow on the consent page, back to Light's callback."""
    start = client.post("/settings/integrations/salesforce/new", data={"environment": environment, **form})
    assert start.status_code == 303, start.get_data(as_text=True)[:500]
    authorize = start.headers["Location"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    assert authorize.startswith(sandbox.url + "/services/oauth2/authorize")
    assert params["code_challenge_method"] == "S256" and params["state"] and params["scope"] == "api refresh_token"
    consent = requests.post(f"{sandbox.url}/services/oauth2/authorize", allow_redirects=False, timeout=10,
                            data={**params, "org": sf_org.id, "decision": "accept"})
    back = client.get(path_of(consent.headers["Location"]))
    assert back.status_code == 303, back.get_data(as_text=True)[:1000]
    return SalesforceConnection.query.filter_by(sf_org_id=sf_org.id).one()


def poll(connection, run_jobs=None):
    outcome = polling.poll(connection.id)
    if run_jobs:
        run_jobs()
    db.session.expire_all()
    return outcome


def invoices_of(deal_id):
    return (Invoice.query.join(SalesforceDeal, SalesforceDeal.invoice_id == Invoice.id)
            .filter(SalesforceDeal.opportunity_id == deal_id).all())


def test_connecting_stores_the_org_encrypted_tokens_and_records_deals_already_won(
        client, org, salesforce_sandbox, sf_org):
    old = sf_org.deal("Won last year", stage="Closed Won")
    connection = connect(client, salesforce_sandbox, sf_org)
    assert (connection.sf_org_id, connection.sf_user_id, connection.status) == (sf_org.id, sf_org.user_id, "active")
    assert connection.multi_currency and "Light_Payment_Status__c" in connection.write_back_fields
    raw = db.session.execute(text("SELECT access_token, refresh_token FROM salesforce_connections")).one()
    assert connection.access_token not in raw[0] and connection.refresh_token not in raw[1]
    assert SalesforceDeal.query.filter_by(opportunity_id=old).one().status == "existing"
    assert poll(connection) == "no newly won deals" and invoices_of(old) == []
    page = client.get(f"/settings/integrations/salesforce/{connection.id}").get_data(as_text=True)
    assert sf_org.id in page and "1 deals were already won" in page
    assert "Salesforce" in client.get("/settings/integrations/").get_data(as_text=True)


def test_a_deal_marked_closed_won_is_invoiced_once_and_its_pay_link_e_mailed(
        client, org, salesforce_sandbox, sf_org, smtp_server, run_jobs):
    connection = connect(client, salesforce_sandbox, sf_org)
    deal = sf_org.deal("Hopper: annual licence", amount="1200.50", email="grace@customer.example.com")
    assert poll(connection) == "no newly won deals"
    sf_org.win(deal)
    assert poll(connection, run_jobs).startswith("1 invoiced")
    [invoice] = invoices_of(deal)
    assert (invoice.status, invoice.payment_method, invoice.total, invoice.currency) == ("issued", "stripe", 120050, "USD")
    assert invoice.customer.email == "grace@customer.example.com"
    [mail] = smtp_server.to("grace@customer.example.com")
    assert "/pay/" in pay_link_in(smtp_server.text(mail))
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "From Salesforce:" in page and "Hopper: annual licence" in page and f"/Opportunity/{deal}/view" in page
    # Lost, won again, and Light's own edits bumping SystemModstamp: still one invoice, one e-mail.
    sf_org.lose(deal)
    poll(connection, run_jobs)
    sf_org.win(deal)
    sf_org.change(deal, Light_Payment_Status__c="Sent")
    assert poll(connection, run_jobs) == "no newly won deals"
    assert len(invoices_of(deal)) == 1 and len(smtp_server.to("grace@customer.example.com")) == 1


def test_an_idle_poll_costs_one_api_call(client, org, salesforce_sandbox, sf_org):
    connection = connect(client, salesforce_sandbox, sf_org)
    before = sf_org.api_calls
    poll(connection)
    assert sf_org.api_calls - before == 1
    assert db.session.get(SalesforceConnection, connection.id).api_used is not None


def test_two_polls_at_once_invoice_a_deal_once(app, client, org, salesforce_sandbox, sf_org, run_jobs):
    connection = connect(client, salesforce_sandbox, sf_org)
    deals = [sf_org.deal(f"Deal {i}", stage="Closed Won", email=f"buyer{i}@example.com") for i in range(3)]
    errors = []

    def worker():
        with app.app_context():
            try:
                polling.poll(connection.id)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    poll(connection, run_jobs)  # the clock's next poll: anything a busy database left is done now
    assert [len(invoices_of(d)) for d in deals] == [1, 1, 1]


def test_a_crash_before_the_watermark_moved_does_not_invoice_again(client, org, salesforce_sandbox, sf_org, run_jobs):
    connection = connect(client, salesforce_sandbox, sf_org)
    deal = sf_org.deal(stage="Closed Won")
    mark = db.session.get(SalesforceConnection, connection.id).watermark
    poll(connection, run_jobs)
    # As if the worker died after invoicing and before recording the watermark; the deal also
    # committed late, inside the overlap.
    db.session.query(SalesforceConnection).filter_by(id=connection.id).update({"watermark": mark})
    db.session.commit()
    sf_org.commit_lag(deal, 120)
    assert poll(connection, run_jobs) == "no newly won deals"
    assert len(invoices_of(deal)) == 1


def test_a_deal_drafted_but_not_issued_when_the_worker_died_is_finished_by_the_next_poll(
        client, org, salesforce_sandbox, sf_org, smtp_server, run_jobs):
    connection = connect(client, salesforce_sandbox, sf_org)
    deal = sf_org.deal(stage="Closed Won", email="late@example.com")
    poll(connection, run_jobs)
    [invoice] = invoices_of(deal)
    # Put it back to the state right after the claim's commit: a draft, the deal "invoicing".
    db.session.query(Invoice).filter_by(id=invoice.id).update({"status": "draft", "number": None})
    db.session.query(SalesforceDeal).filter_by(opportunity_id=deal).update({"status": "invoicing"})
    db.session.query(InvoiceEvent).filter(InvoiceEvent.invoice_id == invoice.id,
                                          InvoiceEvent.kind != "salesforce").delete()
    db.session.commit()
    smtp_server.messages.clear()
    poll(connection, run_jobs)
    assert invoices_of(deal)[0].status == "issued"
    assert SalesforceDeal.query.filter_by(opportunity_id=deal).one().status == "invoiced"
    assert len(smtp_server.to("late@example.com")) == 1


def test_no_email_or_a_currency_mismatch_needs_attention_and_sends_nothing(
        client, org, salesforce_sandbox, sf_org, smtp_server, run_jobs):
    connection = connect(client, salesforce_sandbox, sf_org)
    nobody = sf_org.opportunity("No contact", stage="Closed Won")
    assert client.post("/customers/new", data={"name": "Euro Buyer", "email": "euro@example.com", "currency": "EUR",
                                               "address": ""}).status_code == 303
    euro = sf_org.deal("Dollar deal", email="EURO@example.com", stage="Closed Won")
    poll(connection, run_jobs)
    held = {d.opportunity_id: d for d in SalesforceDeal.query.filter_by(status="needs_attention")}
    assert "No contact with an e-mail" in held[nobody].reason
    assert "pays in EUR, but the deal is in USD" in held[euro].reason
    assert Invoice.query.count() == 0 and smtp_server.messages == []
    page = client.get(f"/settings/integrations/salesforce/{connection.id}").get_data(as_text=True)
    assert "Needs attention" in page and "No contact with an e-mail" in page
    assert "2 deals need attention" in client.get("/settings/integrations/").get_data(as_text=True)
    # Fixed in Salesforce (the change bumps SystemModstamp): the next poll invoices it.
    contact = sf_org.contact(email="found@example.com")
    sf_org.change(nobody, ContactId=contact)
    poll(connection, run_jobs)
    assert len(invoices_of(nobody)) == 1 and len(smtp_server.to("found@example.com")) == 1


@pytest.mark.parametrize("currency, amount, minor", [("JPY", "150000", 150000), ("KWD", "12.345", 12345)])
def test_amounts_are_converted_exactly_per_currency(client, org, salesforce_sandbox, sf_org, run_jobs,
                                                     currency, amount, minor):
    connection = connect(client, salesforce_sandbox, sf_org)
    deal = sf_org.deal(amount=amount, currency=currency, stage="Closed Won", email=f"{currency}@example.com")
    poll(connection, run_jobs)
    [invoice] = invoices_of(deal)
    assert (invoice.total, invoice.currency) == (minor, currency)


def test_an_expired_session_is_refreshed_and_a_rotated_token_kept(client, org, salesforce_sandbox, sf_org):
    salesforce_sandbox.settings(rotation=True)
    connection = connect(client, salesforce_sandbox, sf_org)
    first = connection.refresh_token
    sf_org.expire_sessions()
    assert poll(connection) == "no newly won deals"
    connection = db.session.get(SalesforceConnection, connection.id)
    assert connection.refresh_token != first and connection.status == "active"
    sf_org.expire_sessions()
    assert poll(connection) == "no newly won deals"  # the rotated token works in turn


def test_a_revoked_grant_marks_reconnect_needed_and_tells_the_owners(
        client, org, salesforce_sandbox, sf_org, smtp_server):
    connection = connect(client, salesforce_sandbox, sf_org)
    sf_org.revoke()
    assert poll(connection) == "reconnect needed"
    assert db.session.get(SalesforceConnection, connection.id).status == "reconnect_needed"
    [mail] = smtp_server.to(org.person.email)
    assert "reconnect" in smtp_server.text(mail).lower()
    assert poll(connection) == "not connected" and len(smtp_server.to(org.person.email)) == 1
    # Reconnecting the same org makes it active again, keeping its deals.
    assert connect(client, salesforce_sandbox, sf_org).id == connection.id
    assert db.session.get(SalesforceConnection, connection.id).status == "active"


def test_disconnect_revokes_the_token_and_keeps_the_history(client, org, salesforce_sandbox, sf_org, run_jobs):
    connection = connect(client, salesforce_sandbox, sf_org)
    deal = sf_org.deal(stage="Closed Won")
    poll(connection, run_jobs)
    refresh = connection.refresh_token
    assert client.post(f"/settings/integrations/salesforce/{connection.id}/disconnect",
                       data={"confirm": "disconnect"}).status_code == 303
    connection = db.session.get(SalesforceConnection, connection.id)
    assert connection.status == "disconnected" and connection.refresh_token is None
    assert salesforce_sandbox.store.refresh_tokens[refresh]["revoked"]
    assert SalesforceDeal.query.filter_by(opportunity_id=deal).one().invoice_id is not None
    assert deal in client.get(f"/settings/integrations/salesforce/{connection.id}").get_data(as_text=True)


def test_a_forged_callback_state_connects_nothing(client, org, salesforce_sandbox, sf_org):
    client.post("/settings/integrations/salesforce/new", data={"environment": "production"})
    response = client.get("/settings/integrations/salesforce/callback?code=abc&state=forged")
    assert response.status_code == 400 and "expired or was already used" in response.get_data(as_text=True)
    assert SalesforceConnection.query.count() == 0


def test_a_declined_consent_connects_nothing(client, org, salesforce_sandbox, sf_org):
    start = client.post("/settings/integrations/salesforce/new", data={"environment": "sandbox"})
    params = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["Location"]).query).items()}
    consent = requests.post(f"{salesforce_sandbox.url}/services/oauth2/authorize", allow_redirects=False, timeout=10,
                            data={**params, "org": sf_org.id, "decision": "decline"})
    response = client.get(path_of(consent.headers["Location"]))
    assert "denied Light access" in response.get_data(as_text=True) and SalesforceConnection.query.count() == 0


@pytest.mark.parametrize("form, field", [
    ({"environment": "elsewhere"}, "environment"),
    ({"environment": "my_domain", "my_domain": "evil.example.com"}, "my_domain"),
    ({"environment": "my_domain", "my_domain": "http://acme.my.salesforce.com"}, "my_domain"),
    ({"environment": "my_domain", "my_domain": ""}, "my_domain")])
def test_a_bad_login_host_is_refused_beside_its_field(client, org, form, field):
    response = client.post("/settings/integrations/salesforce/new", data=form)
    assert response.status_code == 422 and f'id="e-{field}"' in response.get_data(as_text=True)


def test_a_my_domain_is_where_the_owner_logs_in(client, org):
    response = client.post("/settings/integrations/salesforce/new",
                           data={"environment": "my_domain", "my_domain": "Acme--UAT.sandbox.my.salesforce.com"})
    assert response.headers["Location"].startswith("https://acme--uat.sandbox.my.salesforce.com/services/oauth2/authorize")


def test_members_cannot_connect_or_disconnect(client, auth, org, salesforce_sandbox, sf_org):
    connection = connect(client, salesforce_sandbox, sf_org)
    auth.login(auth.create_member(org.person))
    assert client.get("/settings/integrations/salesforce/new").status_code == 403
    assert client.post(f"/settings/integrations/salesforce/{connection.id}/disconnect",
                       data={"confirm": "disconnect"}).status_code == 403
    assert client.get(f"/settings/integrations/salesforce/{connection.id}").status_code == 200


def test_sent_and_paid_are_written_back_to_the_fields_that_exist(
        client, org, salesforce_sandbox, stripe_sandbox, sf_org, run_jobs):
    sf_org.configure(write_back_fields=["Light_Payment_Status__c", "Light_Invoice_Number__c"])
    connection = connect(client, salesforce_sandbox, sf_org)
    assert connection.write_back_fields == ["Light_Invoice_Number__c", "Light_Payment_Status__c"]
    deal = sf_org.deal(stage="Closed Won", email="payer@example.com")
    poll(connection, run_jobs)
    poll(connection, run_jobs)  # the next poll writes the status of what the first one issued
    [invoice] = invoices_of(deal)
    record = sf_org.opportunity_record(deal)
    assert (record["Light_Payment_Status__c"], record["Light_Invoice_Number__c"]) == ("Sent", invoice.number)
    before = sf_org.api_calls
    poll(connection, run_jobs)
    assert sf_org.api_calls - before == 1  # nothing changed: nothing written again
    stripe_sandbox.pay_checkout(checkout(client, invoice))
    org.relay.deliver(run_jobs)
    poll(connection, run_jobs)
    assert sf_org.opportunity_record(deal)["Light_Payment_Status__c"] == "Paid"


def test_a_validation_rule_refusing_the_write_back_is_shown_and_retried_never_blocking_invoicing(
        client, org, salesforce_sandbox, sf_org, smtp_server, run_jobs):
    sf_org.configure(validation_rule=True)
    connection = connect(client, salesforce_sandbox, sf_org)
    deal = sf_org.deal(stage="Closed Won", email="locked@example.com")
    poll(connection, run_jobs)
    poll(connection, run_jobs)
    assert len(invoices_of(deal)) == 1 and len(smtp_server.to("locked@example.com")) == 1
    held = SalesforceDeal.query.filter_by(opportunity_id=deal).one()
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in held.write_back_error and held.write_back_attempts == 1
    assert "Write-back refused" in client.get(f"/settings/integrations/salesforce/{connection.id}").get_data(as_text=True)
    poll(connection, run_jobs)  # inside the backoff: not tried again
    assert SalesforceDeal.query.filter_by(opportunity_id=deal).one().write_back_attempts == 1
    sf_org.configure(validation_rule=False)
    db.session.query(SalesforceDeal).filter_by(opportunity_id=deal).update({"write_back_after": None})
    db.session.commit()
    poll(connection, run_jobs)
    held = SalesforceDeal.query.filter_by(opportunity_id=deal).one()
    assert held.written_status == "Sent" and held.write_back_error is None
    assert sf_org.opportunity_record(deal)["Light_Payment_Status__c"] == "Sent"


def test_also_invoicing_deals_won_since_a_day_invoices_those_and_records_the_older_ones(
        client, org, salesforce_sandbox, sf_org, run_jobs):
    today = utcnow().date()
    recent = sf_org.deal("Closed last week", stage="Closed Won", email="recent@example.com")
    sf_org.change(recent, CloseDate=str(today - timedelta(days=7)))
    older = sf_org.deal("Closed last year", stage="Closed Won", email="older@example.com")
    sf_org.change(older, CloseDate=str(today - timedelta(days=200)))
    connection = connect(client, salesforce_sandbox, sf_org, invoice_since=str(today - timedelta(days=30)))
    assert SalesforceDeal.query.filter_by(opportunity_id=older).one().status == "existing"
    poll(connection, run_jobs)
    assert len(invoices_of(recent)) == 1 and invoices_of(older) == []


@pytest.mark.parametrize("since", ["2020-01-01", "tomorrow", "2999-01-01"])
def test_invoicing_deals_won_since_goes_back_at_most_a_year(client, org, since):
    response = client.post("/settings/integrations/salesforce/new", data={"environment": "production",
                                                                          "invoice_since": since})
    assert response.status_code == 422 and 'id="e-invoice_since"' in response.get_data(as_text=True)


def test_a_salesforce_sandbox_org_is_refused_beside_a_live_stripe_key(client, org, salesforce_sandbox, salesforce_sandbox_org):
    db.session.query(Integration).filter_by(id=org.integration_id).update({"livemode": True})
    db.session.commit()
    start = client.post("/settings/integrations/salesforce/new", data={"environment": "sandbox"})
    params = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["Location"]).query).items()}
    consent = requests.post(f"{salesforce_sandbox.url}/services/oauth2/authorize", allow_redirects=False, timeout=10,
                            data={**params, "org": salesforce_sandbox_org.id, "decision": "accept"})
    response = client.get(path_of(consent.headers["Location"]))
    assert response.status_code == 400 and "Stripe test key" in response.get_data(as_text=True)
    assert SalesforceConnection.query.count() == 0


@pytest.fixture
def salesforce_sandbox_org(salesforce_sandbox):
    return salesforce_sandbox.new_org(is_sandbox=True)


@pytest.mark.parametrize("email, name, reason", [
    ("not-an-email", "Fine name", "can't be used"),
    ("x@example.com", "y" * 400, "longer than")])
def test_untrusted_salesforce_values_need_attention_never_a_broken_invoice(
        client, org, salesforce_sandbox, sf_org, run_jobs, email, name, reason):
    connection = connect(client, salesforce_sandbox, sf_org)
    deal = sf_org.deal(name, email=email, stage="Closed Won")
    poll(connection, run_jobs)
    held = SalesforceDeal.query.filter_by(opportunity_id=deal).one()
    assert held.status == "needs_attention" and reason in held.reason and Invoice.query.count() == 0


def test_an_html_name_is_shown_as_text(client, org, salesforce_sandbox, sf_org, run_jobs):
    connection = connect(client, salesforce_sandbox, sf_org)
    deal = sf_org.deal("<script>alert(1)</script>", stage="Closed Won", email="html@example.com")
    poll(connection, run_jobs)
    [invoice] = invoices_of(deal)
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_an_outbound_message_nudges_a_poll_once_and_a_foreign_one_writes_nothing(
        client, org, salesforce_sandbox, sf_org, run_jobs):
    connection = connect(client, salesforce_sandbox, sf_org)
    deal = sf_org.deal(stage="Closed Won", email="instant@example.com")
    url = f"/webhooks/salesforce/{connection.id}/outbound"
    anonymous = client.application.test_client()
    foreign = anonymous.post(url, data=envelope([("04l000000000001AAA", deal)], org="00D999999999999AAA"),
                             content_type="text/xml")
    assert foreign.status_code == 403 and SalesforceNotification.query.count() == 0
    bomb = anonymous.post(url, data=b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaa">]><a>&a;</a>',
                          content_type="text/xml")
    assert bomb.status_code == 400 and SalesforceNotification.query.count() == 0
    for _ in range(2):  # Salesforce delivers at least once
        answer = anonymous.post(url, data=envelope([("04l000000000001AAA", deal)], org=sf_org.id),
                                content_type="text/xml")
        assert answer.status_code == 200 and b"<Ack>true</Ack>" in answer.data
    assert SalesforceNotification.query.count() == 1
    run_jobs()
    db.session.expire_all()
    assert len(invoices_of(deal)) == 1


def test_a_deal_reopened_changed_or_deleted_after_its_invoice_is_flagged_never_voided(
        app, client, org, salesforce_sandbox, sf_org, run_jobs):
    app.config["SALESFORCE_RECHECK_SECONDS"] = 0
    connection = connect(client, salesforce_sandbox, sf_org)
    reopened, changed, deleted, kept = (sf_org.deal(f"Deal {i}", stage="Closed Won", email=f"after{i}@example.com")
                                        for i in range(4))
    poll(connection, run_jobs)
    sf_org.lose(reopened)
    sf_org.change(changed, Amount="999.00")
    sf_org.delete(deleted)
    poll(connection, run_jobs)
    poll(connection, run_jobs)  # flagged once, however often it is checked
    events = {deal: [e.message for e in invoices_of(deal)[0].events if e.kind == "salesforce_changed"]
              for deal in (reopened, changed, deleted, kept)}
    assert len(events[reopened]) == 1 and "no longer Closed/Won" in events[reopened][0]
    assert len(events[changed]) == 1 and "changed to $999.00" in events[changed][0]
    assert len(events[deleted]) == 1 and "deleted" in events[deleted][0]
    assert events[kept] == []
    assert {invoices_of(d)[0].status for d in (reopened, changed, deleted)} == {"issued"}
    page = client.get(f"/invoices/{invoices_of(reopened)[0].id}").get_data(as_text=True)
    assert "no longer Closed/Won" in page


def test_line_items_become_the_invoice_lines(client, org, salesforce_sandbox, sf_org, run_jobs):
    connection = connect(client, salesforce_sandbox, sf_org)
    deal = sf_org.deal("With products", amount="1250.00", stage="Closed Won", email="lines@example.com",
                       line_items=[{"name": "Seats", "quantity": 5, "unit_price": "150.00"},
                                   {"name": "Onboarding", "quantity": 1, "unit_price": "500.00"}])
    poll(connection, run_jobs)
    [invoice] = invoices_of(deal)
    assert [(line.description, line.quantity_milli, line.unit_price) for line in invoice.lines] == [
        ("Seats", 5000, 15000), ("Onboarding", 1000, 50000)]
    assert invoice.total == 125000


def test_a_single_currency_org_invoices_in_its_corporate_currency(client, org, salesforce_sandbox, run_jobs):
    single = salesforce_sandbox.new_org(multi_currency=False, currency="JPY")
    connection = connect(client, salesforce_sandbox, single)
    assert not connection.multi_currency and connection.default_currency == "JPY"
    deal = single.deal(amount="30000", stage="Closed Won", email="yen@example.com")
    poll(connection, run_jobs)
    [invoice] = invoices_of(deal)
    assert (invoice.total, invoice.currency) == (30000, "JPY")


def test_request_limit_exceeded_backs_off_without_reauthenticating(client, org, salesforce_sandbox, sf_org):
    connection = connect(client, salesforce_sandbox, sf_org)
    tokens = salesforce_sandbox.store.token_requests
    sf_org.fault(status=403, code="REQUEST_LIMIT_EXCEEDED", count=1)
    assert poll(connection) == "API limit reached"
    before = sf_org.api_calls
    assert poll(connection).startswith("resting")
    assert sf_org.api_calls == before and salesforce_sandbox.store.token_requests == tokens
    assert "daily API requests" in client.get(f"/settings/integrations/salesforce/{connection.id}").get_data(as_text=True)


def test_two_workers_refreshing_with_rotation_keep_one_working_pair(client, org, salesforce_sandbox, sf_org):
    salesforce_sandbox.settings(rotation=True)
    connection = connect(client, salesforce_sandbox, sf_org)
    first, second = services.client_for(connection), services.client_for(connection)  # same stored tokens
    sf_org.expire_sessions()
    first.describe_opportunity()  # refreshes: a new pair, the old refresh token now invalid
    second.describe_opportunity()  # its refresh is refused, but the stored pair is newer: it uses that
    db.session.expire_all()
    stored = db.session.get(SalesforceConnection, connection.id)
    assert stored.status == "active" and stored.refresh_token == first.tokens.refresh_token
    assert second.tokens.access_token == first.tokens.access_token


def test_a_sandbox_org_deal_is_held_if_the_stripe_key_became_live(client, org, salesforce_sandbox, run_jobs):
    sandbox_org = salesforce_sandbox.new_org(is_sandbox=True)
    connection = connect(client, salesforce_sandbox, sandbox_org, environment="sandbox")
    assert connection.is_sandbox
    db.session.query(Integration).filter_by(id=org.integration_id).update({"livemode": True})
    db.session.commit()
    deal = sandbox_org.deal(stage="Closed Won", email="test-only@example.com")
    poll(connection, run_jobs)
    held = SalesforceDeal.query.filter_by(opportunity_id=deal).one()
    assert held.status == "needs_attention" and "live Stripe key" in held.reason and Invoice.query.count() == 0


def test_try_again_invoices_a_deal_once_the_problem_is_fixed_in_light(client, org, salesforce_sandbox, sf_org,
                                                                       smtp_server, run_jobs):
    connection = connect(client, salesforce_sandbox, sf_org)
    assert client.post("/customers/new", data={"name": "Euro Buyer", "email": "euro@example.com", "currency": "EUR",
                                               "address": ""}).status_code == 303
    deal = sf_org.deal("Dollar deal", email="euro@example.com", stage="Closed Won")
    poll(connection, run_jobs)
    held = SalesforceDeal.query.filter_by(opportunity_id=deal).one()
    assert held.status == "needs_attention"
    Customer.query.filter_by(email="euro@example.com").update({"currency": "USD"})
    db.session.commit()
    response = client.post(f"/settings/integrations/salesforce/{connection.id}/deals/{held.id}/retry")
    assert response.status_code == 303
    run_jobs()
    db.session.expire_all()
    assert len(invoices_of(deal)) == 1 and len(smtp_server.to("euro@example.com")) == 1
    again = client.post(f"/settings/integrations/salesforce/{connection.id}/deals/{held.id}/retry")
    assert again.status_code == 303 and len(invoices_of(deal)) == 1
