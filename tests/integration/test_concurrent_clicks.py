"""State-changing buttons pressed ten times at once, from ten threads with their own database
sessions, the way an impatient owner (or a script) does it."""
import threading

import pytest

from light.contracts.models import Contract
from light.extensions import db
from light.integrations.models import Integration
from light.invoices.models import Invoice, InvoiceCounter, InvoiceEvent
from light.workflows.models import WorkflowVersion
from light.workflows.steps import DEFINITIONS
from tests.fixtures.invoices import create_invoice, invoice_form, reload
from tests.fixtures.web import PASSWORD

CLICKS = 10


def click_at_once(app, signed_in, url, data=None, clicks=CLICKS) -> list[int]:
    barrier = threading.Barrier(clicks)
    statuses = []
    cookie = signed_in.get_cookie("session")

    def click():
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        barrier.wait()
        try:
            statuses.append(client.post(url, data=data or {}).status_code)
        except Exception:  # noqa: BLE001 - under TESTING an error escapes the request: count it as the 500
            statuses.append(500)

    threads = [threading.Thread(target=click) for _ in range(clicks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


@pytest.fixture
def owner_with_stripe(auth):
    owner = auth.login()
    db.session.add(Integration(organization_id=owner.organization_id, kind="stripe", status="active",
                               secret_key="sk_test_concurrency000", account_id="acct_c", account_name="C",
                               webhook_mode="manual", webhook_secret="whsec_c"))
    db.session.commit()
    return owner


def editor_form(days_after: int) -> dict:
    form = {"steps_submitted": "1"}
    for definition in DEFINITIONS:
        form[f"{definition.key}-enabled"] = "on"
        for setting in definition.settings:
            form[f"{definition.key}-{setting.name}"] = str(setting.default)
    form["reminders-days_after"] = str(days_after)
    return form


def drafts(organization_id) -> int:
    db.session.expire_all()
    return db.session.query(WorkflowVersion).filter_by(organization_id=organization_id, status="draft").count()


def test_ten_save_draft_clicks_at_once_leave_one_draft(app, client, owner_with_stripe):
    statuses = click_at_once(app, client, "/settings/workflows/invoice-to-cash/draft", editor_form(9))
    assert set(statuses) <= {303, 409} and 303 in statuses
    assert drafts(owner_with_stripe.organization_id) == 1
    assert client.get("/settings/workflows/invoice-to-cash").status_code == 200


def test_ten_publish_clicks_at_once_publish_one_version_and_workflows_keep_working(app, client, owner_with_stripe):
    statuses = click_at_once(app, client, "/settings/workflows/invoice-to-cash/publish", editor_form(9))
    assert 500 not in statuses and 303 in statuses, statuses
    db.session.expire_all()
    published = db.session.query(WorkflowVersion).filter_by(organization_id=owner_with_stripe.organization_id,
                                                            status="published").all()
    assert [v.version for v in published] == [1]
    assert drafts(owner_with_stripe.organization_id) <= 1  # a later click's draft of the same steps
    assert client.get("/settings/workflows/invoice-to-cash").status_code == 200
    assert client.get("/settings/workflows/").status_code == 200


def post_at_once(app, url, forms, environ=None) -> list[int]:
    barrier = threading.Barrier(len(forms))
    statuses = []

    def post(form):
        client = app.test_client()
        barrier.wait()
        try:
            statuses.append(client.post(url, data=form, environ_base=environ or {}).status_code)
        except Exception:  # noqa: BLE001 - under TESTING an error escapes the request: count it as the 500
            statuses.append(500)

    threads = [threading.Thread(target=post, args=(form,)) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def test_thirty_parallel_wrong_passwords_get_exactly_the_five_guesses_allowed(app, auth):
    person = auth.create_owner()
    statuses = post_at_once(app, "/login", [{"email": person.email, "password": "wrong-password-1"}] * 30)
    assert sorted(statuses) == [422] * 5 + [429] * 25


def test_spraying_many_emails_from_one_client_is_slowed_without_locking_the_real_user_out(app, auth):
    person = auth.create_owner()
    limit = app.config["LOGIN_MAX_FAILURES_PER_CLIENT"]
    sprayer = app.test_client()
    answers = [sprayer.post("/login", data={"email": f"user{i}@example.com", "password": "Winter2026!"},
                            environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code for i in range(limit + 5)]
    assert answers == [422] * limit + [429] * 5
    real_user = app.test_client()
    response = real_user.post("/login", data={"email": person.email, "password": PASSWORD},
                              environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 303


# -- Sales Invoices' buttons -------------------------------------------------------------------
def bank_invoice(client, **kwargs):
    return create_invoice(client, method="bank_transfer", **kwargs)


def events(invoice_id, kind):
    db.session.expire_all()
    return InvoiceEvent.query.filter_by(invoice_id=invoice_id, kind=kind).count()


def test_ten_issue_clicks_at_once_number_the_invoice_once(app, client, auth):
    auth.login()
    draft = bank_invoice(client)
    statuses = click_at_once(app, client, f"/invoices/{draft.id}/issue")
    assert 500 not in statuses
    invoice = reload(draft)
    assert (invoice.status, invoice.number) == ("issued", "INV-0001") and events(draft.id, "issued") == 1
    assert InvoiceCounter.query.one().last_number == 1


def test_ten_void_clicks_at_once_void_once(app, client, auth):
    auth.login()
    invoice = bank_invoice(client)
    client.post(f"/invoices/{invoice.id}/issue")
    statuses = click_at_once(app, client, f"/invoices/{invoice.id}/void")
    assert 500 not in statuses
    assert reload(invoice).status == "void" and events(invoice.id, "voided") == 1


def test_ten_payments_recorded_at_once_never_record_more_than_is_due(app, client, auth):
    auth.login()
    invoice = bank_invoice(client)
    client.post(f"/invoices/{invoice.id}/issue")
    total = reload(invoice).total
    statuses = click_at_once(app, client, f"/invoices/{invoice.id}/payments",
                             {"amount": f"{total * 6 // 10 // 100}.{total * 6 // 10 % 100:02d}"})
    assert 500 not in statuses and statuses.count(303) == 1, statuses
    paid = reload(invoice)
    assert paid.amount_paid == total * 6 // 10 and paid.status == "partially_paid"


def test_ten_full_payments_recorded_at_once_pay_the_invoice_exactly_once(app, client, auth):
    auth.login()
    invoice = bank_invoice(client)
    client.post(f"/invoices/{invoice.id}/issue")
    total = reload(invoice).total
    statuses = click_at_once(app, client, f"/invoices/{invoice.id}/payments",
                             {"amount": f"{total // 100}.{total % 100:02d}"})
    assert 500 not in statuses and statuses.count(303) == 1, statuses
    paid = reload(invoice)
    assert (paid.amount_paid, paid.status) == (total, "paid") and events(invoice.id, "payment") == 1


def test_ten_delete_draft_clicks_at_once_delete_it_without_an_error(app, client, auth):
    auth.login()
    draft_id = bank_invoice(client).id
    statuses = click_at_once(app, client, f"/invoices/{draft_id}/delete")
    assert 500 not in statuses
    db.session.expunge_all()
    assert db.session.get(Invoice, draft_id) is None


def test_ten_cancel_clicks_at_once_cancel_the_contract_once(app, client, auth):
    auth.login()
    customer = bank_invoice(client).customer_id
    form = invoice_form(method="bank_transfer", customer_id=customer)
    form.update(frequency="monthly", start_date="2030-01-01", end_date="", days_until_due="0")
    client.post("/contracts/new", data=form)
    contract = Contract.query.one()
    statuses = click_at_once(app, client, f"/contracts/{contract.id}/cancel")
    assert 500 not in statuses
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == "cancelled"
