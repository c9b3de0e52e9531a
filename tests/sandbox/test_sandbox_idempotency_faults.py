"""Idempotency-Key replay and conflicts; injected 429 and 5xx."""
import pytest
import stripe


def make_customer(stripe_sandbox, key, idempotency_key, name="Ada"):
    return stripe_sandbox.api("POST", "/v1/customers", key, idempotency_key=idempotency_key,
                              name=name)


def test_the_same_idempotency_key_replays_the_first_response(stripe_sandbox, sandbox_key):
    first = make_customer(stripe_sandbox, sandbox_key, "invoice-1-customer")
    second = make_customer(stripe_sandbox, sandbox_key, "invoice-1-customer")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    listed = stripe_sandbox.api("GET", "/v1/customers", sandbox_key).json()
    assert [c["id"] for c in listed["data"]] == [first.json()["id"]]


def test_the_same_key_with_other_parameters_is_an_idempotency_error(stripe_sandbox, sandbox_key):
    make_customer(stripe_sandbox, sandbox_key, "k-conflict", name="Ada")
    client = stripe.StripeClient(sandbox_key, base_addresses={"api": stripe_sandbox.url})
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create(params={"name": "Grace"},
                                   options={"idempotency_key": "k-conflict"})


def test_idempotency_keys_are_per_account(stripe_sandbox, sandbox_key):
    from tests.fixtures.stripe_sandbox import new_key
    mine = make_customer(stripe_sandbox, sandbox_key, "shared-key").json()
    theirs = make_customer(stripe_sandbox, new_key(), "shared-key").json()
    assert mine["id"] != theirs["id"]


def test_a_replayed_card_error_is_the_same_402(stripe_sandbox, sandbox_key):
    customer = make_customer(stripe_sandbox, sandbox_key, "c-402").json()
    params = dict(amount=1000, currency="usd", customer=customer["id"],
                  payment_method="pm_card_chargeCustomerFail", confirm="true")
    first = stripe_sandbox.api("POST", "/v1/payment_intents", sandbox_key,
                               idempotency_key="charge-402", **params)
    second = stripe_sandbox.api("POST", "/v1/payment_intents", sandbox_key,
                                idempotency_key="charge-402", **params)
    assert first.status_code == second.status_code == 402
    assert first.json() == second.json()


def test_next_n_faults_answer_429_then_the_api_recovers(stripe_sandbox, sandbox_key):
    stripe_sandbox.faults(429, count=2)
    client = stripe.StripeClient(sandbox_key, base_addresses={"api": stripe_sandbox.url},
                                 max_network_retries=0)
    for _ in range(2):
        with pytest.raises(stripe.RateLimitError) as caught:
            client.v1.balance.retrieve()
        assert caught.value.http_status == 429
        assert caught.value.error.code == "rate_limit"
    assert client.v1.balance.retrieve().object == "balance"


@pytest.mark.parametrize("status", [500, 503])
def test_server_faults_are_api_errors(stripe_sandbox, sandbox_key, status):
    stripe_sandbox.faults(status, count=1)
    client = stripe.StripeClient(sandbox_key, base_addresses={"api": stripe_sandbox.url},
                                 max_network_retries=0)
    with pytest.raises(stripe.APIError) as caught:
        client.v1.balance.retrieve()
    assert caught.value.http_status == status
    assert caught.value.error.type == "api_error"


def test_faults_can_be_scoped_to_a_path_prefix(stripe_sandbox, sandbox_key):
    stripe_sandbox.faults(500, count=1, path_prefix="/v1/payouts")
    assert stripe_sandbox.api("GET", "/v1/balance", sandbox_key).status_code == 200
    assert stripe_sandbox.api("GET", "/v1/payouts", sandbox_key).status_code == 500
    assert stripe_sandbox.api("GET", "/v1/payouts", sandbox_key).status_code == 200


def test_a_faulted_post_is_not_remembered_for_idempotency(stripe_sandbox, sandbox_key):
    stripe_sandbox.faults(500, count=1)
    assert make_customer(stripe_sandbox, sandbox_key, "retry-me").status_code == 500
    retried = make_customer(stripe_sandbox, sandbox_key, "retry-me")
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried.headers
