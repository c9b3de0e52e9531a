"""Unknown parameters are refused like Stripe refuses them: 400 parameter_unknown, naming the
parameter (nested ones in brackets), checked against stripe-python 16.1.0's typed params."""
import pytest
import stripe

from stripe_sandbox import create_sandbox_app, schema
from tests.fixtures.stripe_sandbox import new_key


def client(stripe_sandbox, key, **options):
    return stripe.StripeClient(key, base_addresses={"api": stripe_sandbox.url},
                               max_network_retries=0, **options)


@pytest.fixture
def sandbox(stripe_sandbox, sandbox_key):
    return client(stripe_sandbox, sandbox_key)


def refused(call):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        call()
    error = caught.value
    assert error.http_status == 400
    assert error.error.type == "invalid_request_error" and error.code == "parameter_unknown"
    assert error.error.message == f"Received unknown parameter: {error.param}"
    return error.param


def session_params(**extra):
    return {"mode": "payment", "success_url": "http://light.example/paid",
            "line_items": [{"price_data": {"currency": "usd", "unit_amount": 1000,
                                           "product_data": {"name": "Invoice 7"}},
                            "quantity": 1}], **extra}


def test_an_unknown_top_level_parameter_is_refused_and_nothing_is_created(sandbox):
    assert refused(lambda: sandbox.v1.customers.create(params={"name": "Ada", "nickname": "A"})) \
        == "nickname"
    assert sandbox.v1.customers.list().data == []


def test_the_raw_error_body_is_stripes(stripe_sandbox, sandbox_key):
    response = stripe_sandbox.api("POST", "/v1/customers", sandbox_key, name="Ada", foo="1")
    assert response.status_code == 400
    error = response.json()["error"]
    assert {k: error[k] for k in ("type", "code", "param", "message")} == {
        "type": "invalid_request_error", "code": "parameter_unknown", "param": "foo",
        "message": "Received unknown parameter: foo"}


def test_unknown_query_parameters_on_reads_are_refused(sandbox):
    assert refused(lambda: sandbox.v1.balance_transactions.list(params={"colour": "red"})) == "colour"
    assert refused(lambda: sandbox.v1.balance.retrieve(params={"limit": 3})) == "limit"
    assert sandbox.v1.balance_transactions.list(params={"limit": 3, "type": "charge"}).object == "list"


def test_request_option_names_are_not_parameters(stripe_sandbox, sandbox_key):
    response = stripe_sandbox.api("POST", "/v1/customers", sandbox_key, idempotency_key=None,
                                  api_key="sk_test_x")
    assert response.json()["error"]["param"] == "api_key"


def test_nested_hashes_are_checked(sandbox):
    assert refused(lambda: sandbox.v1.checkout.sessions.create(params=session_params(
        payment_intent_data={"setup_future_usage": "off_session", "foo": "1"}))) \
        == "payment_intent_data[foo]"
    line = session_params()["line_items"][0]
    line["price_data"]["product_data"]["colour"] = "red"
    assert refused(lambda: sandbox.v1.checkout.sessions.create(
        params=session_params(line_items=[line]))) == \
        "line_items[0][price_data][product_data][colour]"
    line = session_params()["line_items"][0]
    line["discount"] = "1"
    assert refused(lambda: sandbox.v1.checkout.sessions.create(
        params=session_params(line_items=[session_params()["line_items"][0], line]))) == \
        "line_items[1][discount]"
    assert refused(lambda: sandbox.v1.customers.create(
        params={"invoice_settings": {"default_payment_method": "", "colour": "red"}})) == \
        "invoice_settings[colour]"


def test_free_form_hashes_take_any_keys(sandbox):
    created = sandbox.v1.checkout.sessions.create(params=session_params(
        metadata={"anything": "goes", "invoice": "7"},
        payment_intent_data={"metadata": {"whatever": "1"}, "setup_future_usage": "off_session"}))
    assert created.metadata.to_dict() == {"anything": "goes", "invoice": "7"}


def test_what_light_sends_is_accepted(sandbox):
    customer = sandbox.v1.customers.create(params={"name": "Ada", "email": "ada@example.com",
                                                   "metadata": {"light": "1"}})
    sandbox.v1.checkout.sessions.create(params=session_params(
        customer=customer.id, client_reference_id="invoice-7", cancel_url="http://light.example/x",
        metadata={"invoice": "7"},
        payment_intent_data={"metadata": {"invoice": "7"}, "setup_future_usage": "off_session"}))
    sandbox.v1.payment_intents.create(params={
        "amount": 1000, "currency": "usd", "customer": customer.id,
        "payment_method": "pm_card_visa", "off_session": True, "confirm": True,
        "metadata": {"invoice": "7"}})
    sandbox.v1.payment_methods.list(params={"customer": customer.id, "type": "card", "limit": 100})
    sandbox.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/hook",
                                                "enabled_events": ["*"], "connect": True,
                                                "api_version": "2026-10-28.endive"})


def test_a_restricted_key_without_the_permission_gets_403_before_400(stripe_sandbox):
    key = new_key("rk_test_")
    restricted = client(stripe_sandbox, key)
    stripe_sandbox.control("POST", "keys", api_key=key, deny=["customers"])
    with pytest.raises(stripe.PermissionError):
        restricted.v1.customers.create(params={"light_probe": "1"})


def test_probing_write_permission_with_an_unknown_parameter_creates_nothing(stripe_sandbox):
    key = new_key("rk_test_")
    restricted = client(stripe_sandbox, key)
    stripe_sandbox.control("POST", "keys", api_key=key, read_only=["checkout_sessions"])
    assert refused(lambda: restricted.v1.customers.create(params={"light_probe": "1"})) == "light_probe"
    with pytest.raises(stripe.PermissionError):
        restricted.v1.checkout.sessions.create(params={"light_probe": "1"})
    assert restricted.v1.customers.list().data == []


def test_every_v1_route_has_a_parameter_list_and_every_list_a_route():
    app = create_sandbox_app(deliver_webhooks=False)
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules()
              # /v1/oauth/token (a Stripe App's) speaks OAuth's form, not an API resource's params
              if rule.rule.startswith("/v1/") and rule.rule != "/v1/oauth/token"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(schema.ENDPOINTS)
    for (method, _), (typed_dict, _, _) in schema.ENDPOINTS.items():
        assert ("expand" in schema.fields(typed_dict)) == (method != "DELETE")  # as in 16.1.0
        assert not schema.REQUEST_OPTIONS & set(schema.fields(typed_dict))
