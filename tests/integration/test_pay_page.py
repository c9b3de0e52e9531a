"""The customer's pay page: no login, only the unguessable token, and its states."""
import pytest

from light.extensions import db
from light.invoices.models import InvoiceEvent
from tests.fixtures.invoices import create_invoice, reload


@pytest.fixture
def issued(client, auth):
    auth.login(auth.create_owner())
    invoice = create_invoice(client, method="bank_transfer")
    client.post(f"/invoices/{invoice.id}/issue")
    auth.logout()
    return reload(invoice)


def test_the_pay_page_needs_no_login_and_records_that_the_link_was_opened(client, issued):
    response = client.get(f"/pay/{issued.pay_token}")
    assert response.status_code == 200
    assert "INV-0001" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    client.get(f"/pay/{issued.pay_token}")  # a reload the same day doesn't flood the timeline
    assert InvoiceEvent.query.filter_by(invoice_id=issued.id, kind="link_opened").count() == 1


@pytest.mark.parametrize("token", ["nope", "x" * 43, "A" * 200])
def test_an_unknown_token_is_a_404(client, issued, token):
    assert client.get(f"/pay/{token}").status_code == 404
    assert client.post(f"/pay/{token}/checkout").status_code == 404


def test_a_draft_has_no_pay_page(client, auth):
    auth.login(auth.create_owner())
    draft = create_invoice(client, method="bank_transfer")
    auth.logout()
    assert client.get(f"/pay/{draft.pay_token}").status_code == 404


def test_a_paid_invoice_shows_it_is_paid_and_offers_no_payment(client, issued):
    issued.status, issued.amount_paid = "paid", issued.total
    db.session.commit()
    html = client.get(f"/pay/{issued.pay_token}").get_data(as_text=True)
    assert "Paid." in html and "Pay with Stripe" not in html
    response = client.post(f"/pay/{issued.pay_token}/checkout")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/pay/{issued.pay_token}")


def test_the_pay_page_shows_nothing_of_the_organization_beyond_the_invoice(client, issued):
    html = client.get(f"/pay/{issued.pay_token}").get_data(as_text=True)
    assert "Sales Invoices" not in html and "Log out" not in html
