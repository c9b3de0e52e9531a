"""Restricted keys: permissions per resource and per read/write; GET /v1/account is never
available to a restricted key."""
import pytest
import stripe

from tests.fixtures.stripe_sandbox import new_key


def client(stripe_sandbox, key):
    return stripe.StripeClient(key, base_addresses={"api": stripe_sandbox.url},
                               max_network_retries=0)


def restrict(stripe_sandbox, key, deny=(), read_only=()):
    return stripe_sandbox.control("POST", "keys", api_key=key, deny=list(deny),
                                  read_only=list(read_only))


def denied(call):
    with pytest.raises(stripe.PermissionError) as caught:
        call()
    assert caught.value.http_status == 403
    assert caught.value.error.type == "invalid_request_error"
    return caught.value.user_message


def test_read_only_allows_reads_and_refuses_writes_naming_the_write_permission(stripe_sandbox):
    key = new_key("rk_test_")
    restricted = client(stripe_sandbox, key)
    assert restrict(stripe_sandbox, key, read_only=["customers"])["read_only"] == ["customers"]
    assert restricted.v1.customers.list().object == "list"
    message = denied(lambda: restricted.v1.customers.create(params={"name": "Ada"}))
    assert "Having the 'rak_customer_write' permission would allow this request to continue." in message
    assert message.startswith("The provided key 'rk_test_")
    assert restricted.v1.customers.list().data == []
    assert restricted.v1.payment_intents.list().object == "list"  # other resources untouched


def test_read_only_refuses_deletes_too(stripe_sandbox):
    key = new_key("rk_test_")
    restricted = client(stripe_sandbox, key)
    endpoint = restricted.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/h",
                                                              "enabled_events": ["*"]})
    restrict(stripe_sandbox, key, read_only=["webhook_endpoints"])
    assert "rak_webhook_write" in denied(
        lambda: restricted.v1.webhook_endpoints.delete(endpoint.id))
    assert restricted.v1.webhook_endpoints.retrieve(endpoint.id).id == endpoint.id


def test_deny_still_refuses_reads_and_writes(stripe_sandbox):
    key = new_key("rk_test_")
    restricted = client(stripe_sandbox, key)
    restrict(stripe_sandbox, key, deny=["payouts", "customers"])
    assert "'rak_payout_read'" in denied(lambda: restricted.v1.payouts.list())
    assert "'rak_customer_write'" in denied(lambda: restricted.v1.customers.create())
    assert restricted.v1.balance.retrieve().object == "balance"


def test_each_call_replaces_the_permissions(stripe_sandbox):
    key = new_key("rk_test_")
    restricted = client(stripe_sandbox, key)
    restrict(stripe_sandbox, key, read_only=["customers"])
    restrict(stripe_sandbox, key, deny=["payouts"])
    assert restricted.v1.customers.create(params={"name": "Ada"}).name == "Ada"


@pytest.mark.parametrize("mode", ["test", "live"])
def test_a_restricted_key_never_reads_the_account(stripe_sandbox, mode):
    key = new_key(f"rk_{mode}_")
    restricted = client(stripe_sandbox, key)
    message = denied(lambda: restricted.v1.accounts.retrieve_current())
    account_id = stripe_sandbox.store.keys[key].account_id
    assert message == (f"The provided key '{key[:8]}****{key[-4:]}' does not have the required "
                       f"permissions for this endpoint on account '{account_id}'. This is a "
                       "restricted API key, but the required permissions are not available for "
                       "use by restricted keys.")
    assert restricted.v1.balance.retrieve().object == "balance"


def test_a_secret_key_reads_the_account(stripe_sandbox, sandbox_key):
    assert client(stripe_sandbox, sandbox_key).v1.accounts.retrieve_current().object == "account"


def test_a_key_granted_some_permissions_can_do_only_those(stripe_sandbox):
    """Stripe's key editor: every resource starts at None; Write includes Read."""
    key = new_key("rk_test_")
    stripe_sandbox.control("POST", "keys", api_key=key, grant={"balance": "read", "customers": "write",
                                                               "payment_intents": "read"})
    restricted = client(stripe_sandbox, key)
    restricted.v1.balance.retrieve()
    customer = restricted.v1.customers.create(params={"name": "Ada"})
    restricted.v1.customers.retrieve(customer.id)
    restricted.v1.payment_intents.list()
    assert "'rak_payment_intent_write'" in denied(lambda: restricted.v1.payment_intents.create(
        params={"amount": 1000, "currency": "usd"}))
    assert "'rak_checkout_session_read'" in denied(lambda: restricted.v1.checkout.sessions.list())
    assert "'rak_charge_read'" in denied(lambda: restricted.v1.charges.list())
    assert "required permissions are not available" in denied(lambda: restricted.v1.accounts.retrieve_current())
