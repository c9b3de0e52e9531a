"""The sandbox speaks the API version it is sent (stripe-python 16.1.0 sends 2026-10-28.endive),
refuses versions Stripe does not know, and reproduces the version differences it can source."""
import json

import pytest
import stripe
from stripe._api_version import _ApiVersion

from stripe_sandbox import state, versions

CLOVER = "2025-10-29.clover"


def client(stripe_sandbox, key, **options):
    return stripe.StripeClient(key, base_addresses={"api": stripe_sandbox.url},
                               max_network_retries=0, **options)


def raw(stripe_sandbox, key, method, path, version=None, **params):
    headers = {"Authorization": f"Bearer {key}"}
    if version is not None:
        headers["Stripe-Version"] = version
    send = stripe_sandbox.http.get if method == "GET" else stripe_sandbox.http.post
    return send(f"{stripe_sandbox.url}{path}", headers=headers,
                **({"params": params} if method == "GET" else {"data": params}), timeout=30)


def session_params(**extra):
    return {"mode": "payment", "success_url": "http://light.example/paid",
            "line_items[0][price_data][currency]": "usd",
            "line_items[0][price_data][unit_amount]": "1000",
            "line_items[0][price_data][product_data][name]": "Invoice 7",
            "line_items[0][quantity]": "1", **extra}


def test_the_default_is_stripe_pythons_version():
    assert versions.DEFAULT == state.API_VERSION == _ApiVersion.CURRENT == "2026-10-28.endive"


def test_stripe_python_sends_endive_and_the_answer_says_so(stripe_sandbox, sandbox_key):
    balance = client(stripe_sandbox, sandbox_key).v1.balance.retrieve()
    assert balance.last_response.headers["Stripe-Version"] == "2026-10-28.endive"
    assert raw(stripe_sandbox, sandbox_key, "GET", "/v1/balance").headers["Stripe-Version"] == \
        "2026-10-28.endive"


def test_a_known_version_is_echoed(stripe_sandbox, sandbox_key):
    response = raw(stripe_sandbox, sandbox_key, "GET", "/v1/balance", CLOVER)
    assert response.status_code == 200 and response.headers["Stripe-Version"] == CLOVER


@pytest.mark.parametrize("version", ["2019-2-19", "2099-01-01", "endive", "2026-10-28.dahlia"])
def test_an_unknown_version_is_refused(stripe_sandbox, sandbox_key, version):
    response = raw(stripe_sandbox, sandbox_key, "GET", "/v1/balance", version)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"] == f"Invalid Stripe API version: {version}"
    with pytest.raises(stripe.InvalidRequestError):
        client(stripe_sandbox, sandbox_key, stripe_version=version).v1.balance.retrieve()


def test_payment_intents_have_automatic_payment_methods_by_default(stripe_sandbox, sandbox_key):
    pi = client(stripe_sandbox, sandbox_key).v1.payment_intents.create(
        params={"amount": 1000, "currency": "usd"})
    assert pi.automatic_payment_methods.to_dict() == {"allow_redirects": "always", "enabled": True}
    old = raw(stripe_sandbox, sandbox_key, "POST", "/v1/payment_intents", "2022-11-15",
              amount="1000", currency="usd").json()
    assert old["automatic_payment_methods"] is None
    chosen = raw(stripe_sandbox, sandbox_key, "POST", "/v1/payment_intents", None, amount="1000",
                 currency="usd", **{"automatic_payment_methods[enabled]": "true",
                                    "automatic_payment_methods[allow_redirects]": "never"}).json()
    assert chosen["automatic_payment_methods"] == {"allow_redirects": "never", "enabled": True}


def test_payment_method_types_is_refused_on_payment_intents_from_endive(stripe_sandbox, sandbox_key):
    sandbox = client(stripe_sandbox, sandbox_key)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sandbox.v1.payment_intents.create(params={"amount": 1000, "currency": "usd",
                                                  "payment_method_types": ["card"]})
    assert caught.value.http_status == 400
    assert caught.value.code == "payment_method_types_no_longer_supported"
    assert caught.value.param == "payment_method_types"
    assert sandbox.v1.payment_intents.list().data == []
    accepted = raw(stripe_sandbox, sandbox_key, "POST", "/v1/payment_intents", CLOVER,
                   amount="1000", currency="usd", **{"payment_method_types[0]": "card"})
    assert accepted.status_code == 200
    assert accepted.json()["automatic_payment_methods"] is None


def test_allowed_payment_method_types_is_unknown_before_it_existed(stripe_sandbox, sandbox_key):
    params = {"amount": "1000", "currency": "usd", "allowed_payment_method_types[0]": "card"}
    assert raw(stripe_sandbox, sandbox_key, "POST", "/v1/payment_intents", None,
               **params).status_code == 200
    old = raw(stripe_sandbox, sandbox_key, "POST", "/v1/payment_intents", CLOVER, **params)
    assert old.status_code == 400 and old.json()["error"]["code"] == "parameter_unknown"


def test_checkout_sessions_speak_their_version(stripe_sandbox, sandbox_key):
    new = raw(stripe_sandbox, sandbox_key, "POST", "/v1/checkout/sessions", None,
              **session_params()).json()
    assert new["ui_mode"] == "hosted_page"
    old = raw(stripe_sandbox, sandbox_key, "GET", f"/v1/checkout/sessions/{new['id']}", CLOVER).json()
    assert old["ui_mode"] == "hosted"
    listed = raw(stripe_sandbox, sandbox_key, "GET", "/v1/checkout/sessions", CLOVER).json()
    assert [s["ui_mode"] for s in listed["data"]] == ["hosted"]
    refused = raw(stripe_sandbox, sandbox_key, "POST", "/v1/checkout/sessions", None,
                  **session_params(**{"payment_method_types[0]": "card"}))
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "parameter_unknown"
    assert raw(stripe_sandbox, sandbox_key, "POST", "/v1/checkout/sessions", CLOVER,
               **session_params(**{"payment_method_types[0]": "card"})).status_code == 200


def test_webhook_endpoints_take_a_known_api_version(stripe_sandbox, sandbox_key):
    sandbox = client(stripe_sandbox, sandbox_key)
    pinned = sandbox.v1.webhook_endpoints.create(params={
        "url": "http://127.0.0.1:9/hook", "enabled_events": ["*"], "api_version": CLOVER})
    assert pinned.api_version == CLOVER
    assert sandbox.v1.webhook_endpoints.retrieve(pinned.id).api_version == CLOVER
    unpinned = sandbox.v1.webhook_endpoints.create(params={
        "url": "http://127.0.0.1:9/hook", "enabled_events": ["*"]})
    assert unpinned.api_version is None
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sandbox.v1.webhook_endpoints.create(params={
            "url": "http://127.0.0.1:9/hook", "enabled_events": ["*"], "api_version": "2099-01-01"})
    assert caught.value.param == "api_version"


def test_events_reach_an_endpoint_in_its_api_version(stripe_sandbox, sandbox_key, webhook_receiver):
    sandbox = client(stripe_sandbox, sandbox_key)
    sandbox.v1.webhook_endpoints.create(params={
        "url": webhook_receiver.url + "?pinned", "enabled_events": ["checkout.session.expired"],
        "api_version": CLOVER})
    sandbox.v1.webhook_endpoints.create(params={
        "url": webhook_receiver.url + "?default", "enabled_events": ["checkout.session.expired"]})
    created = sandbox.v1.checkout.sessions.create(params={
        "mode": "payment", "success_url": "http://light.example/paid",
        "line_items": [{"price_data": {"currency": "usd", "unit_amount": 1000,
                                       "product_data": {"name": "Invoice 7"}}, "quantity": 1}]})
    sandbox.v1.checkout.sessions.expire(created.id)
    received = {r["path"].split("?")[1]: json.loads(r["body"]) for r in webhook_receiver.wait_for(2)}
    assert received["pinned"]["api_version"] == CLOVER
    assert received["pinned"]["data"]["object"]["ui_mode"] == "hosted"
    assert received["default"]["api_version"] == "2026-10-28.endive"
    assert received["default"]["data"]["object"]["ui_mode"] == "hosted_page"
    assert received["pinned"]["id"] == received["default"]["id"]
    assert sandbox.v1.events.retrieve(received["pinned"]["id"]).api_version == "2026-10-28.endive"
