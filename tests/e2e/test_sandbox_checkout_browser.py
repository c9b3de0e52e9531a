"""The sandbox's hosted Checkout page in a real browser: a person types a test card, pays, and the
card is saved on the customer, as Stripe does with setup_future_usage=off_session."""
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


class _ShopPage(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        body = b"<h1>Thanks for your order</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def shop():
    """A tiny merchant site for success_url / cancel_url to land on."""
    server = HTTPServer(("127.0.0.1", 0), _ShopPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def fill_card(page, number):
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Name on card").fill("Ada Lovelace")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()


def new_session(gateway, customer, key, shop):
    return gateway.create_checkout_session(
        customer_id=customer.id, currency="jpy", lines=[("Espresso beans", 1200, 2)],
        success_url=shop + "/paid?session={CHECKOUT_SESSION_ID}", cancel_url=shop + "/cancel",
        metadata={"light_invoice_id": key}, save_payment_method=True, idempotency_key=f"browser-{key}")


def test_paying_on_the_hosted_page_saves_the_card_on_the_customer(page, gateway, shop):
    customer = gateway.create_customer(name="Ada Lovelace", email="ada@example.com", metadata={},
                                       idempotency_key="browser-customer")
    session = new_session(gateway, customer, "1", shop)
    page.goto(session.url)
    expect(page.get_by_role("heading", name=re.compile("2,400 JPY"))).to_be_visible()  # zero-decimal
    expect(page.get_by_text("Your card will be saved for future payments.")).to_be_visible()
    fill_card(page, "4000 0000 0000 0341")  # declined: the session stays open, nothing is charged
    expect(page.get_by_text("Your card was declined.")).to_be_visible()
    assert gateway.checkout_session(session.id).status == "open"

    fill_card(page, "4242 4242 4242 4242")
    page.wait_for_url(re.compile(r"/paid\?session=cs_"))
    paid = gateway.checkout_session(session.id)
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    saved = [m for m in gateway.payment_methods(customer.id) if m.last4 == "4242"]
    assert len(saved) == 1 and saved[0].brand == "visa"
    charged = gateway.charge_saved_payment_method(customer_id=customer.id, payment_method_id=saved[0].id,
                                                  amount=500, currency="jpy", metadata={},
                                                  idempotency_key="browser-reuse")
    assert charged.status == "succeeded"  # saved for off-session use: no customer needed


def test_a_card_that_asks_for_authentication_is_confirmed_on_the_challenge_page(page, gateway, shop):
    customer = gateway.create_customer(name="Grace", email="grace@example.com", metadata={},
                                       idempotency_key="browser-customer-3ds")
    session = new_session(gateway, customer, "2", shop)
    page.goto(session.url)
    fill_card(page, "4000 0027 6000 3184")
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(re.compile(r"/paid\?session=cs_"))
    assert gateway.checkout_session(session.id).payment_status == "paid"
