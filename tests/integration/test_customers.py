"""Customers: created on their own or inline, and their page with invoices, contracts and saved card."""
import pytest

from light.customers.models import Customer
from light.extensions import db
from tests.fixtures.invoices import create_invoice


@pytest.fixture
def owner(auth):
    return auth.login(auth.create_owner())


def test_a_customer_is_created_with_name_email_currency_and_address(client, owner):
    response = client.post("/customers/new", data={"name": "Grace", "email": "Grace@Example.com", "currency": "jpy",
                                                   "address": "Tokyo"})
    assert response.status_code == 303
    customer = Customer.query.one()
    assert (customer.email, customer.currency, customer.address) == ("grace@example.com", "JPY", "Tokyo")


def test_a_customer_needs_a_name_and_a_valid_e_mail(client, owner):
    response = client.post("/customers/new", data={"name": "", "email": "x", "currency": "USD"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter the customer&#39;s name" in html or "Enter the customer's name" in html
    assert Customer.query.count() == 0


def test_the_customer_page_shows_invoices_and_only_brand_and_last4_of_the_saved_card(client, owner):
    invoice = create_invoice(client, method="bank_transfer")
    customer = invoice.customer
    customer.payment_method_id, customer.card_brand, customer.card_last4 = "pm_secretish123", "visa", "4242"
    customer.stripe_customer_id = "cus_hidden123"
    db.session.commit()
    html = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Visa ending 4242" in html and "Draft" in html and "Contracts" in html
    assert "pm_secretish123" not in html and "cus_hidden123" not in html


def test_a_customer_can_be_edited(client, owner):
    client.post("/customers/new", data={"name": "Grace", "email": "g@example.com", "currency": "USD"})
    customer = Customer.query.one()
    client.post(f"/customers/{customer.id}/edit", data={"name": "Grace H", "email": "g@example.com",
                                                        "currency": "EUR"})
    db.session.expire_all()
    assert (customer.name, customer.currency) == ("Grace H", "EUR")
