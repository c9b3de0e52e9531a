"""Settings > Integrations > Stripe against the Stripe sandbox: checking keys, saving them
encrypted, webhooks registered or pasted, replacing, removing, and who may do it."""
import html
import re
import socket

import pytest
from sqlalchemy import text

from light.extensions import db
from light.integrations import routes as integration_routes
from light.integrations import services
from light.integrations.models import Integration
from tests.fixtures.stripe_sandbox import new_key

NEW = "/settings/integrations/stripe/new"


@pytest.fixture
def app_config(app_config, stripe_sandbox):
    app_config.update(STRIPE_API_BASE=stripe_sandbox.url, STRIPE_CONNECT_BASE=stripe_sandbox.url,
                      STRIPE_MAX_ATTEMPTS=1, LIGHT_PUBLIC_URL=None)
    return app_config


@pytest.fixture
def owner(auth):
    return auth.login(auth.create_owner(organization="Acme Ltd"))


def add_stripe(client, key):
    return client.post(NEW, data={"secret_key": key})


def field_error(response, name="secret_key"):
    match = re.search(rf'<small id="e-{name}" class="field-error">(.*?)</small>', response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else None


def saved():
    return db.session.query(Integration).all()


def test_an_owner_adds_stripe_and_sees_the_key_masked_with_the_mode_and_account_name(client, owner, sandbox_key):
    response = add_stripe(client, sandbox_key)
    assert response.status_code == 303
    integration = services.active_stripe_integration(owner.organization_id)
    assert response.headers["Location"].endswith(f"/settings/integrations/{integration.id}")
    assert integration.secret_key == sandbox_key and integration.livemode is False
    assert integration.account_id.startswith("acct_") and integration.account_name == "Sandbox platform"

    for url in ("/settings/integrations/", f"/settings/integrations/{integration.id}"):
        page = client.get(url).get_data(as_text=True)
        assert sandbox_key not in page
        assert f"sk_test_…{sandbox_key[-4:]}" in page
        assert "Sandbox platform" in page and "Test" in page


def test_the_key_is_stored_encrypted(client, owner, sandbox_key):
    add_stripe(client, sandbox_key)
    raw = db.session.execute(text("SELECT secret_key FROM integrations")).scalar_one()
    assert raw and sandbox_key not in raw and sandbox_key[-8:] not in raw


@pytest.mark.parametrize("key, message", [
    ("pk_test_51HxAbCdEfGhIjKl", "publishable key"),
    ("   ", "Paste your Stripe secret key"),
    ("whsec_abc123", "webhook signing secret"),
    ("sk_nonsense", "starts with sk_test_"),
])
def test_keys_that_cannot_be_secret_keys_are_refused_without_asking_stripe(client, owner, stripe_sandbox, key, message):
    keys_before = stripe_sandbox.state()["keys"]
    response = add_stripe(client, key)
    assert response.status_code == 422
    assert message in field_error(response)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert saved() == [] and stripe_sandbox.state()["keys"] == keys_before


def test_a_wrong_key_is_refused_with_a_message_beside_the_field(client, owner):
    response = add_stripe(client, "sk_test_abc")  # well formed for Light, unknown to Stripe
    assert response.status_code == 422
    assert "wrong or has been revoked" in field_error(response)
    assert saved() == []


def test_a_revoked_key_is_refused(client, owner, stripe_sandbox, sandbox_key):
    stripe_sandbox.revoke(api_key=sandbox_key)
    response = add_stripe(client, sandbox_key)
    assert response.status_code == 422
    assert "wrong or has been revoked" in field_error(response)
    assert saved() == []


@pytest.mark.parametrize("denied, label", [
    ("balance", "Balance (Read)"),
    ("customers", "Customers (Write)"),
    ("payment_methods", "PaymentMethods (Read)"),
    ("checkout_sessions", "Checkout Sessions (Write)"),
    ("payment_intents", "PaymentIntents (Write)"),
])
def test_a_restricted_key_missing_a_permission_light_needs_is_refused(client, owner, stripe_sandbox, denied, label):
    key = new_key("rk_test_")
    stripe_sandbox.restrict(key, deny=[denied])
    response = add_stripe(client, key)
    assert response.status_code == 422
    assert f"lacks a permission Light needs: {label}" in field_error(response)
    assert saved() == []


def test_a_restricted_key_with_the_permissions_light_needs_is_saved(client, owner, stripe_sandbox):
    key = new_key("rk_test_")
    # The bank feed's permissions are not ours, and a restricted key may never read its account.
    stripe_sandbox.restrict(key, deny=["payouts", "balance_transactions", "account"])
    assert add_stripe(client, key).status_code == 303
    integration = services.active_stripe_integration(owner.organization_id)
    assert integration.secret_key == key and integration.account_id is None
    assert integration.account_name == "Stripe account (restricted key)"


LIGHTS_GRANTS = {"balance": "read", "customers": "write", "payment_methods": "read",
                 "checkout_sessions": "write", "payment_intents": "write"}


def test_a_key_made_in_stripes_editor_with_exactly_lights_permissions_is_saved_and_nothing_is_created(
        client, owner, stripe_sandbox):
    key = new_key("rk_test_")
    stripe_sandbox.control("POST", "keys", api_key=key, grant=LIGHTS_GRANTS)
    assert add_stripe(client, key).status_code == 303
    account = stripe_sandbox.store.accounts[stripe_sandbox.store.keys[key].account_id]
    assert [len(account[kind]) for kind in ("customers", "checkout_sessions", "payment_intents")] == [0, 0, 0]


@pytest.mark.parametrize("only_read, label", [
    ("customers", "Customers (Write)"),
    ("checkout_sessions", "Checkout Sessions (Write)"),
    ("payment_intents", "PaymentIntents (Write)"),
])
def test_a_key_that_may_only_read_what_light_writes_is_refused_naming_the_write_permission(
        client, owner, stripe_sandbox, only_read, label):
    key = new_key("rk_test_")
    stripe_sandbox.control("POST", "keys", api_key=key, grant={**LIGHTS_GRANTS, only_read: "read"})
    response = add_stripe(client, key)
    assert response.status_code == 422
    assert f"lacks a permission Light needs: {label}" in field_error(response)
    assert saved() == []


def test_stripe_being_unreachable_is_said_and_nothing_is_saved(app, client, owner, sandbox_key):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    app.config["STRIPE_API_BASE"] = f"http://127.0.0.1:{closed}"
    response = add_stripe(client, sandbox_key)
    assert response.status_code == 422
    assert "couldn't reach Stripe" in field_error(response)
    assert saved() == []


def test_with_a_public_url_light_registers_its_webhook_endpoint_and_keeps_the_secret_encrypted(
        app, client, owner, stripe_sandbox, sandbox_key):
    app.config["LIGHT_PUBLIC_URL"] = "https://light.example.com"
    assert add_stripe(client, sandbox_key).status_code == 303
    integration = services.active_stripe_integration(owner.organization_id)
    account = stripe_sandbox.store.accounts[integration.account_id]
    endpoints = account["webhook_endpoints"].values()
    assert len(endpoints) == 1
    endpoint = endpoints[0]
    assert endpoint["url"] == f"https://light.example.com/webhooks/stripe/integrations/{integration.id}"
    assert set(endpoint["enabled_events"]) == {
        "checkout.session.completed", "checkout.session.expired", "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed", "payment_intent.succeeded", "payment_intent.payment_failed",
        "charge.refunded", "charge.dispute.created", "charge.dispute.closed"}
    assert integration.webhook_mode == "registered" and integration.webhook_endpoint_id == endpoint["id"]
    assert integration.webhook_secret == endpoint["_secret"]
    assert services.webhook_secrets_for(integration.id) == (owner.organization_id, [endpoint["_secret"]])
    raw = db.session.execute(text("SELECT webhook_secret FROM integrations")).scalar_one()
    assert endpoint["_secret"] not in raw
    # Registered with a key derived from the integration, so a retried save can't make a second endpoint.
    assert any(k.startswith(f"light-integration-{integration.id}-webhook-") for k in account.idempotency)
    page = client.get(f"/settings/integrations/{integration.id}").get_data(as_text=True)
    assert "Light registered its endpoint" in page and 'name="signing_secret"' not in page


def test_a_restricted_key_that_cannot_register_webhooks_is_refused_when_light_would_register(
        app, client, owner, stripe_sandbox):
    app.config["LIGHT_PUBLIC_URL"] = "https://light.example.com"
    key = new_key("rk_test_")
    stripe_sandbox.restrict(key, deny=["webhook_endpoints"])
    response = add_stripe(client, key)
    assert response.status_code == 422
    assert "Webhook Endpoints (Write)" in field_error(response)
    assert saved() == []


def test_without_a_public_url_the_page_shows_the_endpoint_and_asks_for_the_signing_secret(
        client, owner, stripe_sandbox, sandbox_key):
    add_stripe(client, sandbox_key)
    integration = services.active_stripe_integration(owner.organization_id)
    assert integration.webhook_mode == "manual" and integration.webhook_secret is None
    assert stripe_sandbox.store.accounts[integration.account_id]["webhook_endpoints"].values() == []
    assert services.webhook_secrets_for(integration.id) == (owner.organization_id, [])
    page = client.get(f"/settings/integrations/{integration.id}").get_data(as_text=True)
    assert f"http://localhost/webhooks/stripe/integrations/{integration.id}" in page
    assert 'name="signing_secret"' in page and "No signing secret yet" in page

    url = f"/settings/integrations/{integration.id}/webhook-secret"
    bad = client.post(url, data={"signing_secret": "sk_test_notasecret"})
    assert bad.status_code == 422 and "starts with whsec_" in field_error(bad, "signing_secret")
    assert services.webhook_secrets_for(integration.id) == (owner.organization_id, [])

    assert client.post(url, data={"signing_secret": " whsec_abcDEF123456789 "}).status_code == 303
    assert services.webhook_secrets_for(integration.id) == (owner.organization_id, ["whsec_abcDEF123456789"])
    raw = db.session.execute(text("SELECT webhook_secret FROM integrations")).scalar_one()
    assert "whsec_abcDEF123456789" not in raw
    assert "whsec_…6789" in client.get(f"/settings/integrations/{integration.id}").get_data(as_text=True)


def test_replacing_the_key_checks_the_new_one_first(client, owner, sandbox_key):
    add_stripe(client, sandbox_key)
    integration = services.active_stripe_integration(owner.organization_id)
    client.post(f"/settings/integrations/{integration.id}/webhook-secret", data={"signing_secret": "whsec_old123"})
    url = f"/settings/integrations/{integration.id}/key"

    refused = client.post(url, data={"replace_secret_key": "pk_live_123456789"})
    assert refused.status_code == 422 and "publishable key" in field_error(refused, "replace_secret_key")
    db.session.expire_all()
    assert services.active_stripe_integration(owner.organization_id).secret_key == sandbox_key

    other = new_key()  # a different Stripe account: the old endpoint's secret no longer applies
    assert client.post(url, data={"replace_secret_key": other}).status_code == 303
    db.session.expire_all()
    replaced = services.active_stripe_integration(owner.organization_id)
    assert replaced.id == integration.id and replaced.secret_key == other
    assert replaced.webhook_secret is None


def test_adding_stripe_twice_is_refused(client, owner, sandbox_key):
    add_stripe(client, sandbox_key)
    integration = services.active_stripe_integration(owner.organization_id)
    assert client.get(NEW).headers["Location"].endswith(f"/settings/integrations/{integration.id}")
    response = add_stripe(client, new_key())
    assert response.status_code == 422 and "already connected" in field_error(response)
    assert len(saved()) == 1


def test_remove_warns_while_invoices_await_a_stripe_payment_and_needs_confirming(
        client, owner, sandbox_key, monkeypatch):
    add_stripe(client, sandbox_key)
    integration = services.active_stripe_integration(owner.organization_id)
    client.post(f"/settings/integrations/{integration.id}/webhook-secret", data={"signing_secret": "whsec_abc123"})
    url = f"/settings/integrations/{integration.id}/remove"
    assert "await" not in client.get(url).get_data(as_text=True)

    monkeypatch.setattr(integration_routes, "count_awaiting_stripe_payment", lambda organization_id: 2)
    page = client.get(url).get_data(as_text=True)
    assert "2 invoices still" in page and "await a Stripe payment" in page

    unconfirmed = client.post(url)
    assert unconfirmed.status_code == 422
    assert services.active_stripe_integration(owner.organization_id) is not None

    assert client.post(url, data={"confirm": "remove"}).status_code == 303
    db.session.expire_all()
    removed = db.session.get(Integration, integration.id)
    assert removed.status == "removed" and removed.secret_key is None and removed.webhook_secret is None
    assert services.active_stripe_integration(owner.organization_id) is None
    assert services.webhook_secrets_for(integration.id) is None
    assert "Not connected" in client.get("/settings/integrations/").get_data(as_text=True)
    assert client.get(url).status_code == 404


def test_stripe_gateway_for_uses_the_active_key_or_says_stripe_is_missing(client, owner, sandbox_key):
    with pytest.raises(services.IntegrationMissing) as missing:
        services.stripe_gateway_for(owner.organization_id)
    assert "Settings > Integrations" in missing.value.message
    add_stripe(client, sandbox_key)
    gateway = services.stripe_gateway_for(owner.organization_id)
    assert gateway.account().id == services.active_stripe_integration(owner.organization_id).account_id


def test_the_list_shows_stripe_and_salesforce_not_connected(client, owner):
    page = client.get("/settings/integrations/").get_data(as_text=True)
    assert "Add New Integration" in page and "Not connected" in page
    new = client.get("/settings/integrations/new").get_data(as_text=True)
    assert f'href="{NEW}"' in new
    assert 'href="/settings/integrations/salesforce/new"' in new and "Coming soon" not in new + page


def test_a_member_sees_the_pages_but_cannot_change_anything(client, auth, sandbox_key):
    owner = auth.login(auth.create_owner(organization="Acme Ltd"))
    add_stripe(client, sandbox_key)
    integration = services.active_stripe_integration(owner.organization_id)
    auth.login(auth.create_member(owner))

    index = client.get("/settings/integrations/")
    show = client.get(f"/settings/integrations/{integration.id}")
    assert index.status_code == show.status_code == 200
    assert "Sandbox platform" in show.get_data(as_text=True)
    for page in (index.get_data(as_text=True), show.get_data(as_text=True)):
        assert "Add New Integration</a>" not in page and "<form" not in page.split("</header>", 1)[1]
        assert "/remove" not in page
    for url in ("/settings/integrations/new", NEW, f"/settings/integrations/{integration.id}/remove"):
        assert client.get(url).status_code == 403
    for url, data in [(NEW, {"secret_key": new_key()}),
                      (f"/settings/integrations/{integration.id}/key", {"replace_secret_key": new_key()}),
                      (f"/settings/integrations/{integration.id}/webhook-secret", {"signing_secret": "whsec_x1"}),
                      (f"/settings/integrations/{integration.id}/remove", {"confirm": "remove"})]:
        assert client.post(url, data=data).status_code == 403, url
    db.session.expire_all()
    unchanged = services.active_stripe_integration(owner.organization_id)
    assert unchanged.secret_key == sandbox_key and unchanged.webhook_secret is None
