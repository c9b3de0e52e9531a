"""The sandbox authenticates like Stripe: any well-formed key is its own account."""
import base64

import pytest
import requests
import stripe

from tests.fixtures.stripe_sandbox import new_key


def client(stripe_sandbox, key, **options):
    return stripe.StripeClient(key, base_addresses={"api": stripe_sandbox.url,
                                                    "connect": stripe_sandbox.url},
                               max_network_retries=0, **options)


def test_each_new_key_is_its_own_platform_account(stripe_sandbox):
    first = client(stripe_sandbox, new_key()).v1.accounts.retrieve_current()
    second = client(stripe_sandbox, new_key()).v1.accounts.retrieve_current()
    assert first.id.startswith("acct_") and second.id.startswith("acct_")
    assert first.id != second.id


def test_the_same_key_finds_the_same_account_and_its_data(stripe_sandbox, sandbox_key):
    created = client(stripe_sandbox, sandbox_key).v1.customers.create(params={"name": "Ada"})
    again = client(stripe_sandbox, sandbox_key).v1.customers.retrieve(created.id)
    assert again.name == "Ada"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client(stripe_sandbox, new_key()).v1.customers.retrieve(created.id)
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"


@pytest.mark.parametrize("bad_key", ["sk_test_short", "sk_test_", "nope_1234567890", "sk_prod_12345678"])
def test_a_malformed_key_is_answered_401_with_the_key_masked(stripe_sandbox, bad_key):
    response = requests.get(f"{stripe_sandbox.url}/v1/balance",
                            headers={"Authorization": f"Bearer {bad_key}"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("Invalid API Key provided: ")
    assert bad_key not in error["message"] or len(bad_key) <= 12
    assert response.headers["Request-Id"].startswith("req_")


def test_a_missing_key_is_401(stripe_sandbox):
    response = requests.get(f"{stripe_sandbox.url}/v1/balance")
    assert response.status_code == 401
    assert "did not provide an API key" in response.json()["error"]["message"]


def test_a_publishable_key_is_refused_with_a_message_saying_so(stripe_sandbox):
    with pytest.raises(stripe.AuthenticationError) as caught:
        client(stripe_sandbox, "pk_test_1234567890abcdef").v1.balance.retrieve()
    assert "publishable API key" in caught.value.user_message


def test_a_key_works_as_the_basic_auth_user(stripe_sandbox, sandbox_key):
    token = base64.b64encode(f"{sandbox_key}:".encode()).decode()
    response = requests.get(f"{stripe_sandbox.url}/v1/balance",
                            headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 200
    assert response.json()["object"] == "balance"


def test_a_revoked_key_is_401(stripe_sandbox, sandbox_key):
    sandbox = client(stripe_sandbox, sandbox_key)
    sandbox.v1.balance.retrieve()
    stripe_sandbox.revoke(sandbox_key)
    with pytest.raises(stripe.AuthenticationError):
        sandbox.v1.balance.retrieve()


def test_test_and_live_keys_are_kept_apart(stripe_sandbox):
    test = client(stripe_sandbox, new_key("sk_test_")).v1.customers.create(params={"name": "T"})
    live = client(stripe_sandbox, new_key("sk_live_")).v1.customers.create(params={"name": "L"})
    assert test.livemode is False
    assert live.livemode is True


def test_restricted_keys_have_full_access_until_the_control_api_restricts_them(stripe_sandbox):
    key = new_key("rk_test_")
    restricted = client(stripe_sandbox, key)
    assert restricted.v1.balance_transactions.list().object == "list"
    stripe_sandbox.restrict(key, ["balance_transactions"])
    with pytest.raises(stripe.PermissionError) as caught:
        restricted.v1.balance_transactions.list()
    assert caught.value.http_status == 403
    # Stripe's permission 403 has no code (quoted in stripe-node#2246): the message names the
    # permission.
    assert caught.value.error.code is None
    assert "'rak_balance_transaction_source_read' permission" in caught.value.user_message
    assert caught.value.error.type == "invalid_request_error"
    assert restricted.v1.balance.retrieve().object == "balance"


def test_stripe_account_selects_a_connected_account_only_for_its_platform(stripe_sandbox, sandbox_key):
    token = stripe_sandbox.connect_account(sandbox_key, "Coffee Co")
    as_platform = client(stripe_sandbox, sandbox_key, stripe_account=token["stripe_user_id"])
    assert as_platform.v1.accounts.retrieve_current().id == token["stripe_user_id"]
    assert as_platform.v1.accounts.retrieve_current().business_profile.name == "Coffee Co"
    as_token = client(stripe_sandbox, token["access_token"])
    assert as_token.v1.accounts.retrieve_current().id == token["stripe_user_id"]
    stranger = client(stripe_sandbox, new_key(), stripe_account=token["stripe_user_id"])
    with pytest.raises(stripe.PermissionError):
        stranger.v1.balance.retrieve()


def test_unknown_urls_answer_stripes_404(stripe_sandbox, sandbox_key):
    response = stripe_sandbox.api("GET", "/v1/nothing_here", sandbox_key)
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith("Unrecognized request URL")
