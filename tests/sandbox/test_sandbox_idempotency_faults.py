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


def customers_of(stripe_sandbox, key):
    return stripe_sandbox.api("GET", "/v1/customers", key).json()["data"]


def test_a_500_on_a_keyed_post_is_saved_and_replayed_like_stripe(stripe_sandbox, sandbox_key):
    # docs.stripe.com/api/idempotent_requests: the first result is saved "regardless of whether it
    # succeeds or fails"; "subsequent requests with the same key return the same result, including
    # 500 errors".
    stripe_sandbox.faults(500, count=1)
    first = make_customer(stripe_sandbox, sandbox_key, "retry-me")
    assert first.status_code == 500 and "Idempotent-Replayed" not in first.headers
    retried = make_customer(stripe_sandbox, sandbox_key, "retry-me")
    assert retried.status_code == 500
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json() == first.json()
    assert retried.headers["Original-Request"] == first.headers["Request-Id"]
    assert customers_of(stripe_sandbox, sandbox_key) == []
    # A fresh key runs the request.
    assert make_customer(stripe_sandbox, sandbox_key, "retry-me-2").status_code == 200


def test_a_replayed_500_is_an_api_error_to_stripe_python(stripe_sandbox, sandbox_key):
    stripe_sandbox.faults(500, count=1)
    client = stripe.StripeClient(sandbox_key, base_addresses={"api": stripe_sandbox.url},
                                 max_network_retries=0)
    for _ in range(2):
        with pytest.raises(stripe.APIError) as caught:
            client.v1.customers.create(params={"name": "Ada"}, options={"idempotency_key": "k-500"})
        assert caught.value.http_status == 500


def test_a_saved_500_expires_after_24_hours(stripe_sandbox, sandbox_key):
    stripe_sandbox.faults(500, count=1)
    assert make_customer(stripe_sandbox, sandbox_key, "day-old").status_code == 500
    stripe_sandbox.advance_clock(seconds=24 * 3600 - 5)
    assert make_customer(stripe_sandbox, sandbox_key, "day-old").status_code == 500
    stripe_sandbox.advance_clock(seconds=10)
    fresh = make_customer(stripe_sandbox, sandbox_key, "day-old")
    assert fresh.status_code == 200 and "Idempotent-Replayed" not in fresh.headers


def test_an_expired_key_can_be_used_with_other_parameters(stripe_sandbox, sandbox_key):
    first = make_customer(stripe_sandbox, sandbox_key, "reused", name="Ada").json()
    stripe_sandbox.advance_clock(days=1, seconds=1)
    second = make_customer(stripe_sandbox, sandbox_key, "reused", name="Grace")
    assert second.status_code == 200 and second.json()["id"] != first["id"]


@pytest.mark.parametrize("status", [429, 503])
def test_429_and_503_faults_are_never_executed_nor_saved(stripe_sandbox, sandbox_key, status):
    stripe_sandbox.faults(status, count=1)
    assert make_customer(stripe_sandbox, sandbox_key, f"k-{status}").status_code == status
    retried = make_customer(stripe_sandbox, sandbox_key, f"k-{status}")
    assert retried.status_code == 200 and "Idempotent-Replayed" not in retried.headers
    assert len(customers_of(stripe_sandbox, sandbox_key)) == 1


def test_429_and_503_faults_answer_before_authentication(stripe_sandbox):
    stripe_sandbox.faults(503, count=1)
    assert stripe_sandbox.api("GET", "/v1/balance", "sk_test_").status_code == 503
    assert stripe_sandbox.api("GET", "/v1/balance", "sk_test_").status_code == 401
    stripe_sandbox.clear_faults()


def test_a_request_that_fails_validation_is_not_saved(stripe_sandbox, sandbox_key):
    refused = stripe_sandbox.api("POST", "/v1/customers", sandbox_key, idempotency_key="k-valid",
                                 name="Ada", nickname="A")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "parameter_unknown"
    accepted = make_customer(stripe_sandbox, sandbox_key, "k-valid")
    assert accepted.status_code == 200 and "Idempotent-Replayed" not in accepted.headers
    missing = stripe_sandbox.api("POST", "/v1/payment_intents", sandbox_key,
                                 idempotency_key="k-missing", currency="usd")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "parameter_missing"
    ok = stripe_sandbox.api("POST", "/v1/payment_intents", sandbox_key, idempotency_key="k-missing",
                            currency="usd", amount=1000)
    assert ok.status_code == 200 and "Idempotent-Replayed" not in ok.headers
