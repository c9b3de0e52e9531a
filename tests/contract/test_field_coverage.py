"""The sandbox returns every field Light reads, with the JSON type Stripe's own example objects
(tests/contract/fixtures/stripe-fixtures.json, from Stripe's OpenAPI fixtures) have.

Raw JSON over HTTP, no SDK: the SDK would hide a wrong type.
"""
import json
from pathlib import Path

import pytest
import requests

FIXTURES = Path(__file__).parent / "fixtures" / "stripe-fixtures.json"

# Dotted paths Light reads from each resource ("0" indexes a list).
LIGHT_READS = {
    "account": ["id", "object", "email", "country", "default_currency", "business_profile.name",
                "settings.dashboard.display_name", "created"],
    "balance": ["object", "livemode", "available", "pending", "available.0.amount",
                "available.0.currency", "pending.0.amount", "pending.0.currency"],
    "balance_transaction": ["id", "object", "amount", "fee", "net", "currency", "type",
                            "reporting_category", "status", "created", "available_on",
                            "description", "source", "fee_details", "exchange_rate"],
    "payout": ["id", "object", "amount", "currency", "status", "arrival_date", "created",
               "automatic", "reconciliation_status", "balance_transaction", "failure_code",
               "failure_balance_transaction", "livemode"],
    "charge": ["id", "object", "amount", "amount_refunded", "currency", "customer",
               "payment_intent", "balance_transaction", "status", "paid", "refunded", "disputed",
               "created", "description", "metadata", "livemode", "billing_details.name",
               "billing_details.email", "receipt_email",
               "payment_method_details.card.brand", "payment_method_details.card.last4"],
    "refund": ["id", "object", "amount", "currency", "charge", "payment_intent", "status",
               "created", "balance_transaction", "metadata"],
    "customer": ["id", "object", "email", "name", "metadata", "created", "livemode",
                 "invoice_settings.default_payment_method"],
    "payment_method": ["id", "object", "type", "customer", "created", "card.brand", "card.last4",
                       "card.exp_month", "card.exp_year", "card.fingerprint"],
    "payment_intent": ["id", "object", "status", "amount", "currency", "customer",
                       "payment_method", "latest_charge", "metadata", "last_payment_error",
                       "created", "livemode"],
    "checkout.session": ["id", "object", "url", "status", "payment_status", "payment_intent",
                         "customer", "metadata", "amount_total", "currency", "expires_at",
                         "client_reference_id", "mode", "success_url", "cancel_url", "created",
                         "livemode"],
    "event": ["id", "object", "type", "created", "livemode", "api_version", "data.object"],
}
# null in the sandbox's object although the example has a value: Stripe documents these as
# nullable and they are null in the state we fetch (e.g. no failed attempt yet).
NULL_HERE = {("payment_intent", "last_payment_error"), ("checkout.session", "url")}
# The fixtures file has no webhook_endpoint example: Stripe's documented shape instead.
WEBHOOK_ENDPOINT = {"id": "we_123", "object": "webhook_endpoint", "url": "https://x",
                    "enabled_events": ["*"], "status": "enabled", "livemode": False,
                    "created": 1, "metadata": {}, "api_version": None, "description": None}


def json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def dig(obj, path):
    for part in path.split("."):
        if isinstance(obj, list):
            obj = obj[int(part)]
        elif isinstance(obj, dict) and part in obj:
            obj = obj[part]
        else:
            raise KeyError(path)
    return obj


@pytest.fixture(scope="module")
def examples():
    return json.loads(FIXTURES.read_text())["resources"]


@pytest.fixture(scope="module")
def live_objects(stripe_sandbox):
    """One object of each resource, fetched raw, in a state where Light reads it."""
    from tests.fixtures.stripe_sandbox import new_key
    key = new_key()

    def call(method, path, **params):
        response = stripe_sandbox.api(method, path, key, **params)
        assert response.status_code == 200, response.text
        return response.json()

    customer = call("POST", "/v1/customers", name="Ada", email="ada@example.com",
                    metadata={"light_contact": "1"})
    session = call("POST", "/v1/checkout/sessions", mode="payment", customer=customer["id"],
                   line_items=[{"price_data": {"currency": "usd", "unit_amount": 5000,
                                               "product_data": {"name": "Invoice 1"}},
                                "quantity": 1}],
                   payment_intent_data={"setup_future_usage": "off_session",
                                        "description": "Invoice 1"},
                   client_reference_id="invoice-1", metadata={"invoice": "1"},
                   success_url="http://light.example/ok", cancel_url="http://light.example/no")
    stripe_sandbox.pay_checkout(session["url"])
    session = call("GET", f"/v1/checkout/sessions/{session['id']}")
    intent = call("GET", f"/v1/payment_intents/{session['payment_intent']}")
    charge = call("GET", f"/v1/charges/{intent['latest_charge']}")
    refund = call("POST", "/v1/refunds", payment_intent=intent["id"], amount=100)
    stripe_sandbox.advance_clock(days=2)
    try:
        [payout] = stripe_sandbox.payouts(key)
    finally:
        stripe_sandbox.control("POST", "clock/advance", offset=0)
    endpoint = call("POST", "/v1/webhook_endpoints", url="http://127.0.0.1:9/x",
                    enabled_events=["*"])
    return {
        "account": call("GET", "/v1/account"),
        "balance": call("GET", "/v1/balance"),
        "balance_transaction": call("GET", f"/v1/balance_transactions/{charge['balance_transaction']}"),
        "payout": call("GET", f"/v1/payouts/{payout['id']}"),
        "charge": charge, "refund": call("GET", f"/v1/refunds/{refund['id']}"),
        "customer": call("GET", f"/v1/customers/{customer['id']}"),
        "payment_method": call("GET", f"/v1/payment_methods/{intent['payment_method']}"),
        "payment_intent": intent, "checkout.session": session,
        "event": call("GET", "/v1/events", type="checkout.session.completed")["data"][0],
        "webhook_endpoint_created": endpoint,
        "webhook_endpoint": call("GET", f"/v1/webhook_endpoints/{endpoint['id']}"),
    }


@pytest.mark.parametrize("resource", sorted(LIGHT_READS))
def test_every_field_light_reads_is_there_with_stripes_type(examples, live_objects, resource):
    example, ours = examples[resource], live_objects[resource]
    problems = []
    for path in LIGHT_READS[resource]:
        expected = json_type(dig(example, path))  # a KeyError here is a typo in LIGHT_READS
        try:
            actual = json_type(dig(ours, path))
        except KeyError:
            problems.append(f"{path}: missing")
            continue
        if expected == "null" or actual == expected:
            continue
        if actual == "null" and (resource, path) in NULL_HERE:
            continue
        problems.append(f"{path}: {actual}, Stripe's example has {expected}")
    assert problems == []


def test_object_names_match_stripes(examples, live_objects):
    for resource in LIGHT_READS:
        assert live_objects[resource]["object"] == examples[resource]["object"], resource


def test_nullable_exceptions_are_really_set_when_they_apply(stripe_sandbox, live_objects):
    """The NULL_HERE fields do carry Stripe's type in the state where they are set."""
    assert live_objects["checkout.session"]["url"] is None  # complete sessions drop their url
    from tests.fixtures.stripe_sandbox import new_key
    key = new_key()
    customer = stripe_sandbox.api("POST", "/v1/customers", key, name="x").json()
    declined = stripe_sandbox.api("POST", "/v1/payment_intents", key, amount=100, currency="usd",
                                  customer=customer["id"], confirm=True,
                                  payment_method="pm_card_chargeCustomerFail").json()
    error = declined["error"]["payment_intent"]["last_payment_error"]
    assert isinstance(error, dict) and error["type"] == "card_error"


def test_webhook_endpoint_fields(live_objects):
    for name in ("webhook_endpoint", "webhook_endpoint_created"):
        ours = live_objects[name]
        for field, value in WEBHOOK_ENDPOINT.items():
            assert field in ours, f"{name}.{field}"
            if value is not None:
                assert json_type(ours[field]) == json_type(value), f"{name}.{field}"
    assert live_objects["webhook_endpoint_created"]["secret"].startswith("whsec_")
    assert "secret" not in live_objects["webhook_endpoint"]


def test_list_objects_have_stripes_envelope(stripe_sandbox, sandbox_key):
    listed = requests.get(f"{stripe_sandbox.url}/v1/balance_transactions",
                          headers={"Authorization": f"Bearer {sandbox_key}"}).json()
    assert listed == {"object": "list", "data": [], "has_more": False,
                      "url": "/v1/balance_transactions"}


def test_errors_have_stripes_envelope(stripe_sandbox, sandbox_key):
    response = requests.get(f"{stripe_sandbox.url}/v1/payouts/po_nope",
                            headers={"Authorization": f"Bearer {sandbox_key}"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert {k: error[k] for k in ("type", "code", "param")} == {
        "type": "invalid_request_error", "code": "resource_missing", "param": "id"}
    assert error["message"] == "No such payout: 'po_nope'"
