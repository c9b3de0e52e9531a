"""Every answer the gateway receives from the sandbox, and every event the sandbox sends, has
the shape real Stripe gives it: checked recursively against stripe-python 16.1.0's annotated
resource classes and Stripe's own example objects (tests/contract/stripe_shapes.py).

One scenario drives every public StripeGateway operation, the unhappy answers included (a
decline, SCA, a missing object, a missing permission, a bad key); the sandbox's journal keeps
each answer it gave."""
import json

import pytest

from light.plumbing import stripe_gateway as sg
from light.plumbing.stripe_gateway import StripeGateway
from stripe_sandbox import schema
from tests.contract import stripe_shapes
from tests.fixtures.stripe_sandbox import SleepRecorder, new_key

# Not API calls: nothing comes back from the sandbox to check.
NOT_CALLS = {"from_config", "parse_event"}


class Recording(StripeGateway):
    """The real gateway, noting which of its public operations the scenario used."""

    used: set = set()

    def __getattribute__(self, name):
        if not name.startswith("_") and callable(getattr(type(self), name, None)):
            Recording.used.add(name)
        return super().__getattribute__(name)


def gateway(stripe_sandbox, key, **options):
    return Recording(key, api_base=stripe_sandbox.url, connect_base=stripe_sandbox.url,
                     sleep=SleepRecorder(), **options)


def scenario(stripe_sandbox):  # noqa: PLR0915 - one story, told in order
    key = new_key()
    g = gateway(stripe_sandbox, key)
    g.account()
    customer = g.create_customer(name="Ada", email="ada@example.com", metadata={"light_customer_id": "1"},
                                 idempotency_key="contract-customer-1")
    g.customer(customer.id)
    session = g.create_checkout_session(
        customer_id=customer.id, currency="eur", lines=[("Invoice INV-1", 5000, 1), ("Support", 1234, 2)],
        success_url="http://light.example/ok?session_id={CHECKOUT_SESSION_ID}", cancel_url="http://light.example/no",
        metadata={"light_invoice_id": "1"}, save_payment_method=True, idempotency_key="contract-checkout-1")
    stripe_sandbox.pay_checkout(session.url, "4000002500003155")  # 3-D Secure on the page, then saved
    session = g.checkout_session(session.id)
    intent = g.payment_intent(session.payment_intent_id)
    [card] = g.payment_methods(customer.id)
    paid = g.charge_saved_payment_method(customer_id=customer.id, payment_method_id=card.id, amount=2000,
                                         currency="usd", metadata={"light_invoice_id": "2"},
                                         idempotency_key="contract-charge-2")
    g.refund(payment_intent_id=paid.id, amount=500, idempotency_key="contract-refund-2")
    g.refund(payment_intent_id=intent.id, idempotency_key="contract-refund-1")
    g.refunds_of_charge(g.payment_intent(paid.id).latest_charge_id)
    stripe_sandbox.dispute(key, payment_intent=paid.id)
    g.payment_intents(customer.id)
    for account_number in ("000123456789", "000111111113"):  # a bank debit that settles, one that bounces
        by_bank = stripe_sandbox.api(
            "POST", "/v1/checkout/sessions", key, mode="payment", customer=customer.id,
            line_items=[{"price_data": {"currency": "usd", "unit_amount": 4200, "product_data": {"name": "Bank"}},
                         "quantity": 1}], payment_intent_data={"setup_future_usage": "off_session"},
            success_url="http://light.example/ok").json()
        stripe_sandbox.pay_by_bank(by_bank["url"], account_number=account_number)
        stripe_sandbox.settle_bank_debit(by_bank["id"])
        debit = g.checkout_session(by_bank["id"])
        g.payment_intent(debit.payment_intent_id)
        stripe_sandbox.api("GET", "/v1/payment_methods", key, customer=customer.id, type="us_bank_account")
    for number, error in (("4000000000000341", sg.CardDeclined), ("4000002760003184", sg.AuthenticationRequired),
                          ("4000000000009887", sg.AuthenticationRequired)):
        pm = stripe_sandbox.api("POST", "/v1/payment_methods", key, type="card", card={"number": number}).json()
        stripe_sandbox.api("POST", f"/v1/payment_methods/{pm['id']}/attach", key, customer=customer.id)
        with pytest.raises(error):
            g.charge_saved_payment_method(customer_id=customer.id, payment_method_id=pm["id"], amount=1500,
                                          currency="usd", metadata={}, idempotency_key=f"contract-{number}")
    with pytest.raises(sg.InvalidRequest):
        g.customer("cus_missing")
    with pytest.raises(sg.InvalidRequest):
        g.charge_saved_payment_method(customer_id=customer.id, payment_method_id=card.id, amount=10,
                                      currency="usd", metadata={}, idempotency_key="contract-too-small")
    endpoint = g.create_webhook_endpoint(url="http://127.0.0.1:9/hook", events=["payout.paid"],
                                         idempotency_key="contract-endpoint")
    g.update_webhook_endpoint_events(endpoint.id, events=["payout.paid", "payout.failed"],
                                     idempotency_key="contract-endpoint-events")
    g.delete_webhook_endpoint(endpoint.id)
    g.allows("/v1/customers/cus_light_permission_check", "customers")

    # The bank feed: a connected account settling in USD and EUR, paid in GBP and JPY too.
    token = stripe_sandbox.connect_account(key, "Contract Shop", demo=False)
    stripe_sandbox.seed(account=token["stripe_user_id"], balance_transactions=160, months=2,
                        currencies=["usd", "eur"], foreign_currencies=["gbp", "jpy"], dispute_every=20)
    feed = gateway(stripe_sandbox, key, stripe_account=token["stripe_user_id"])
    feed.account()
    feed.balance()
    txns = [t for page in feed.balance_transaction_pages(page_size=100) for t in page]
    feed.balance_transaction(txns[0].id)
    list(feed.balance_transactions_since(txns[50].id))
    payout = next(feed.payout(t.source_id) for t in txns if t.type == "payout")
    list(feed.balance_transaction_pages(payout=payout.id))
    # What the dispute and settlement endpoints of the API give, read raw: Light reads them in events.
    for path in ("/v1/disputes", "/v1/charges", "/v1/events", "/v1/payouts", "/v1/refunds"):
        stripe_sandbox.api("GET", path, key, account=token["stripe_user_id"], limit=100)
    stripe_sandbox.api("GET", "/v1/events", key, limit=100)
    g.deauthorize("ca_light1234567", token["stripe_user_id"])
    with pytest.raises(sg.OAuthError):
        g.deauthorize("ca_light1234567", token["stripe_user_id"])

    restricted = new_key("rk_test_")
    stripe_sandbox.restrict(restricted, ["customers"])
    limited = gateway(stripe_sandbox, restricted)
    with pytest.raises(sg.PermissionDenied):
        limited.customer("cus_x")
    with pytest.raises(sg.PermissionDenied):
        limited.account()
    with pytest.raises(sg.AuthenticationFailed):
        gateway(stripe_sandbox, "sk_test_bad").balance()
    return {key, restricted}, token["stripe_user_id"]


@pytest.fixture(scope="module")
def journal(stripe_sandbox):
    store = stripe_sandbox.store
    store.journal = []
    Recording.used = set()
    try:
        keys, connected = scenario(stripe_sandbox)
    finally:
        recorded, store.journal = store.journal, None
    accounts = [store.accounts[store.keys[k].account_id] for k in keys if k in store.keys] + \
        [store.accounts[connected]]
    events = [e for account in accounts for e in account["events"].items]
    return recorded, events


def test_the_scenario_uses_every_gateway_operation(journal):
    public = {name for name in vars(StripeGateway) if not name.startswith("_") and callable(getattr(StripeGateway, name))}
    assert public - NOT_CALLS - Recording.used == set()


def _json(entry):
    try:
        return json.loads(entry["body"])
    except ValueError:
        return None


def test_every_answer_has_stripe_pythons_shape(journal):
    recorded, _ = journal
    assert len(recorded) > 40
    problems = []
    for entry in recorded:
        body = _json(entry)
        where = f"{entry['method']} {entry['path']} {entry['status']}"
        if body is None:
            problems.append(f"{where}: not JSON")
        elif entry["path"].startswith("/oauth/"):
            continue  # OAuth answers are not API objects (the gateway reads error and error_description)
        elif entry["status"] >= 400:
            problems += [f"{where}: {p}" for p in stripe_shapes.error_problems(body)]
        else:
            known = schema.endpoint(entry["method"], entry["rule"] or "")
            klass = known[1] if known else None
            problems += [f"{where}: {p}" for p in stripe_shapes.against_sdk(body, klass)]
    assert problems == []


def test_every_answer_has_the_types_of_stripes_own_examples(journal):
    recorded, _ = journal
    problems, compared = [], set()
    for entry in recorded:
        body = _json(entry)
        if not body or entry["status"] >= 400 or entry["path"].startswith("/oauth/"):
            continue
        objects = body["data"] if body.get("object") == "list" else [body]
        for obj in objects:
            example = stripe_shapes.example_for(obj)
            if example is not None:
                compared.add(obj["object"])
                problems += [f"{entry['path']}: {p}" for p in stripe_shapes.against_example(obj, example)]
    assert {"balance_transaction", "payout", "customer", "payment_intent", "checkout.session", "refund",
            "charge", "dispute", "payment_method", "account", "balance", "event"} <= compared
    assert problems == []


def test_every_event_the_sandbox_sends_has_stripes_shape(journal):
    _, events = journal
    kinds = {e["type"] for e in events}
    assert {"checkout.session.completed", "payment_intent.succeeded", "payment_intent.payment_failed",
            "charge.refunded", "customer.created", "checkout.session.async_payment_succeeded",
            "checkout.session.async_payment_failed", "charge.dispute.created"} <= kinds
    problems = []
    for event in events:
        problems += [f"{event['type']}: {p}" for p in stripe_shapes.against_sdk(event)]
        example = stripe_shapes.example_for(event["data"]["object"])
        if example is not None:
            problems += [f"{event['type']}: {p}" for p in
                         stripe_shapes.against_example(event["data"]["object"], example)]
    assert problems == []


def test_the_checker_catches_an_invented_field_a_wrong_type_and_a_bad_enum():
    """The checker itself: what it must refuse, it refuses."""
    example = stripe_shapes.EXAMPLES["payout"]
    assert stripe_shapes.against_sdk(example) == []
    assert stripe_shapes.against_sdk({**example, "invented": 1}) == ["payout.invented: Payout has no such field"]
    assert stripe_shapes.against_sdk({**example, "amount": "100"}) == ["payout.amount: string, expected an integer"]
    assert stripe_shapes.against_sdk({**example, "automatic": None}) == \
        ["payout.automatic: null, but the field is not nullable"]
    account = stripe_shapes.EXAMPLES["account"]
    assert stripe_shapes.against_sdk({**account, "livemode": False}) == ["account.livemode: Account has no such field"]
    txn = stripe_shapes.EXAMPLES["balance_transaction"]
    dispute = stripe_shapes.EXAMPLES["dispute"]
    assert stripe_shapes.against_sdk({**dispute, "intended_submission_method": "by_post"}) == [  # a closed enum
        "dispute.intended_submission_method: 'by_post' is not one of "
        "['manual', 'prefer_manual', 'prefer_smart_disputes', 'smart_disputes']"]
    assert stripe_shapes.against_example({**txn, "exchange_rate": "1.08"}, {**txn, "exchange_rate": 1.08}) == \
        ["exchange_rate: string, Stripe's example has number"]


def test_every_answer_has_every_field_of_stripes_example(journal):
    recorded, _ = journal
    missing = set()
    for entry in recorded:
        body = _json(entry)
        if not body or entry["status"] >= 400 or entry["path"].startswith("/oauth/"):
            continue
        for obj in body["data"] if body.get("object") == "list" else [body]:
            example = stripe_shapes.example_for(obj)
            if example is not None and not obj.get("deleted"):  # a deleted object is {id, object, deleted}
                missing |= {f"{obj['object']}.{path}" for path in stripe_shapes.missing_from(obj, example)
                            if not path.startswith(("metadata.", "data.object."))}  # free-form; another type
    assert sorted(missing) == []
