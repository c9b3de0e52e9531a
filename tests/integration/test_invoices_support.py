"""Shared set-up for the invoice, pay and contract tests (no tests here): an organization with an
active Stripe integration on the sandbox and a published Invoice-to-Cash workflow, made through
the integrations' and workflows' own services, and a relay that hands the sandbox's real events to
Light's webhook endpoint signed the way Stripe signs them."""
import hashlib
import hmac
import re
import time
from dataclasses import dataclass, field

import pytest

from light.extensions import db
from light.invoices.models import Invoice

SIGNING_SECRET = "whsec_invoiceTestsSigningSecret0123"
STEPS = ("send_payment_link", "reminders", "auto_charge", "mark_paid_and_receipt", "notify_on_failure")


@pytest.fixture
def app_config(app_config, stripe_sandbox):
    app_config.update(STRIPE_API_BASE=stripe_sandbox.url, STRIPE_CONNECT_BASE=stripe_sandbox.url,
                      STRIPE_MAX_ATTEMPTS=2, LIGHT_PUBLIC_URL="http://light.test")
    return app_config


@dataclass
class StripeOrg:
    person: object
    integration_id: int
    key: str
    relay: "Relay"


@dataclass
class Relay:
    """Forwards the sandbox's events for one key to Light, each once, like Stripe's delivery."""

    client: object
    sandbox: object
    key: str
    integration_id: int
    secret: str
    sent: set = field(default_factory=set)

    def events(self, types=None):
        response = self.sandbox.api("GET", "/v1/events", self.key, limit=100)
        found = list(reversed(response.json()["data"]))  # oldest first
        return [e for e in found if types is None or e["type"] in types]

    def post(self, event: dict):
        import json

        body = json.dumps(event).encode()
        timestamp = int(time.time())
        mac = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return self.client.post(f"/webhooks/stripe/integrations/{self.integration_id}", data=body,
                                headers={"Stripe-Signature": f"t={timestamp},v1={mac}",
                                         "Content-Type": "application/json"})

    def deliver(self, run_jobs=None, *, types=None, duplicate=False) -> list[dict]:
        fresh = [e for e in self.events(types) if e["id"] not in self.sent]
        for event in fresh:
            assert self.post(event).status_code == 200
            if duplicate:
                assert self.post(event).status_code == 200
            self.sent.add(event["id"])
        if run_jobs:
            run_jobs()
        return fresh


def stripe_org(client, auth, stripe_sandbox, sandbox_key, *, off=(), organization="Acme Ltd",
               days_before=3, days_after=7) -> StripeOrg:
    from light.integrations import services as integrations
    from light.workflows import services as workflows

    person = auth.login(auth.create_owner(organization=organization))
    integration = integrations.connect_stripe(organization_id=person.organization_id, user_id=person.id,
                                              secret_key=sandbox_key)
    integrations.save_webhook_secret(organization_id=person.organization_id, integration_id=integration.id,
                                     signing_secret=SIGNING_SECRET)
    form = {f"{step}-enabled": "on" for step in STEPS if step not in off}
    form.update({"reminders-days_before": str(days_before), "reminders-days_after": str(days_after)})
    workflows.save_draft(organization_id=person.organization_id, user_id=person.id, form=form)
    workflows.publish(organization_id=person.organization_id, user_id=person.id)
    relay = Relay(client, stripe_sandbox, sandbox_key, integration.id, SIGNING_SECRET)
    return StripeOrg(person, integration.id, sandbox_key, relay)


def invoice_form(*, customer_id="new", currency="USD", issue="2030-01-01", due="2030-01-15", method="stripe",
                 lines=(("Consulting", "2", "150.00", "20"),), **extra):
    form = {"customer_id": str(customer_id), "currency": currency, "issue_date": issue, "due_date": due,
            "payment_method": method,
            "line_description": [l[0] for l in lines], "line_quantity": [l[1] for l in lines],
            "line_unit_price": [l[2] for l in lines], "line_tax_rate": [l[3] for l in lines]}
    if customer_id == "new":
        form.update(new_customer_name="Ada Customer", new_customer_email="ada.customer@example.com",
                    new_customer_currency=currency, new_customer_address="1 Analytical Way")
    form.update(extra)
    return form


def create_invoice(client, **kwargs) -> Invoice:
    response = client.post("/invoices/new", data=invoice_form(**kwargs))
    assert response.status_code == 303, re.findall(r'class="field-error"[^>]*>([^<]+)', response.get_data(as_text=True))
    invoice_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    return db.session.get(Invoice, invoice_id)


def issue(client, run_jobs, invoice: Invoice) -> Invoice:
    assert client.post(f"/invoices/{invoice.id}/issue").status_code == 303
    run_jobs()
    db.session.expire_all()
    return db.session.get(Invoice, invoice.id)


def pay_link_in(text: str) -> str:
    match = re.search(r"https?://\S+/pay/[A-Za-z0-9_\-]+", text)
    assert match, f"no pay link in: {text!r}"
    return match.group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def checkout(client, invoice: Invoice) -> str:
    """The customer presses Pay with Stripe: Light answers 303 to a fresh Checkout Session."""
    response = client.post(f"/pay/{invoice.pay_token}/checkout")
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    return response.headers["Location"]


def reload(invoice: Invoice) -> Invoice:
    db.session.expire_all()
    return db.session.get(Invoice, invoice.id)
