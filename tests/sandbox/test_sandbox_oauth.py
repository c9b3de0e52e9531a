"""Connect OAuth: consent page, single-use codes that expire, tokens, deauthorization."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import stripe
from freezegun import freeze_time

from tests.fixtures.stripe_sandbox import new_key

REDIRECT = "http://light.example/integrations/stripe/callback"


def client(stripe_sandbox, key, **options):
    return stripe.StripeClient(key, base_addresses={"api": stripe_sandbox.url,
                                                    "connect": stripe_sandbox.url},
                               client_id="ca_light1234567", max_network_retries=0, **options)


def authorize_params(**extra):
    return {"response_type": "code", "client_id": "ca_light1234567", "scope": "read_only",
            "state": "csrf-123", "redirect_uri": REDIRECT, **extra}


def consent(stripe_sandbox, decision, **form):
    data = {"client_id": "ca_light1234567", "state": "csrf-123", "redirect_uri": REDIRECT,
            "scope": "read_only", "decision": decision, "account": "new",
            "business_name": "Sandbox Bakery", **form}
    response = requests.post(f"{stripe_sandbox.url}/oauth/authorize", data=data,
                             allow_redirects=False)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def test_the_consent_page_asks_to_authorize_light_with_accept_and_decline(stripe_sandbox):
    response = requests.get(f"{stripe_sandbox.url}/oauth/authorize", params=authorize_params())
    assert response.status_code == 200
    html = response.text
    assert "<title>Authorize Light to read your Stripe account</title>" in html
    assert re.search(r"<button[^>]*>Accept</button>", html)
    assert re.search(r"<button[^>]*>Decline</button>", html)
    assert '<label for="business_name">Business name</label>' in html
    assert "Create a new sandbox account" in html


def test_the_consent_page_refuses_a_malformed_client_id(stripe_sandbox):
    response = requests.get(f"{stripe_sandbox.url}/oauth/authorize",
                            params=authorize_params(client_id="ca_x"))
    assert response.status_code == 400


def test_declining_redirects_with_access_denied_and_the_state(stripe_sandbox):
    query = consent(stripe_sandbox, "decline")
    assert query == {"error": "access_denied",
                     "error_description": "The user denied your request", "state": "csrf-123"}


def test_accepting_gives_a_code_that_the_platform_exchanges_for_a_token(stripe_sandbox, sandbox_key):
    query = consent(stripe_sandbox, "accept")
    assert query["state"] == "csrf-123" and query["code"].startswith("ac_")
    token = client(stripe_sandbox, sandbox_key).oauth.token(
        params={"grant_type": "authorization_code", "code": query["code"]})
    assert token["token_type"] == "bearer"
    assert token["scope"] == "read_only"
    assert token["livemode"] is False
    assert token["access_token"].startswith("sk_test_")
    assert token["refresh_token"].startswith("rt_")
    assert token["stripe_publishable_key"].startswith("pk_test_")
    connected = client(stripe_sandbox, token["access_token"]).v1.accounts.retrieve_current()
    assert connected.id == token["stripe_user_id"]
    assert connected.business_profile.name == "Sandbox Bakery"


def test_a_new_connected_account_comes_with_demo_history(stripe_sandbox, sandbox_key):
    token = stripe_sandbox.connect_account(sandbox_key)
    sandbox = client(stripe_sandbox, token["access_token"])
    txns = list(sandbox.v1.balance_transactions.list(params={"limit": 100}).auto_paging_iter())
    assert {t.type for t in txns} >= {"charge", "refund", "payout"}
    assert {t.currency for t in txns} >= {"usd", "eur"}
    assert any(t.fee > 0 for t in txns)


def test_the_token_endpoint_also_takes_client_secret_in_the_body(stripe_sandbox, sandbox_key):
    code = stripe_sandbox.connect_account(sandbox_key, returns="code")["code"]
    response = requests.post(f"{stripe_sandbox.url}/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_secret": sandbox_key})
    assert response.status_code == 200
    assert response.json()["stripe_user_id"].startswith("acct_")


def test_a_code_works_only_once(stripe_sandbox, sandbox_key):
    code = stripe_sandbox.connect_account(sandbox_key, returns="code")["code"]
    platform = client(stripe_sandbox, sandbox_key)
    platform.oauth.token(params={"grant_type": "authorization_code", "code": code})
    with pytest.raises(stripe.oauth_error.InvalidGrantError) as caught:
        platform.oauth.token(params={"grant_type": "authorization_code", "code": code})
    assert caught.value.http_status == 400
    assert "already been used" in caught.value.json_body["error_description"]


def test_an_unknown_code_is_invalid_grant(stripe_sandbox, sandbox_key):
    response = requests.post(f"{stripe_sandbox.url}/oauth/token", data={
        "grant_type": "authorization_code", "code": "ac_doesnotexist", "client_secret": sandbox_key})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_code_expires_after_five_minutes(stripe_sandbox, sandbox_key):
    with freeze_time("2026-03-01 12:00:00") as frozen:
        code = stripe_sandbox.connect_account(sandbox_key, returns="code", demo=False)["code"]
        frozen.tick(301)
        response = requests.post(f"{stripe_sandbox.url}/oauth/token", data={
            "grant_type": "authorization_code", "code": code, "client_secret": sandbox_key})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "expired" in response.json()["error_description"]


def test_a_code_is_still_good_just_before_five_minutes(stripe_sandbox, sandbox_key):
    with freeze_time("2026-03-01 12:00:00") as frozen:
        code = stripe_sandbox.connect_account(sandbox_key, returns="code", demo=False)["code"]
        frozen.tick(299)
        response = requests.post(f"{stripe_sandbox.url}/oauth/token", data={
            "grant_type": "authorization_code", "code": code, "client_secret": sandbox_key})
    assert response.status_code == 200


def test_a_live_key_cannot_redeem_a_test_code(stripe_sandbox):
    code = stripe_sandbox.connect_account(new_key(), returns="code", demo=False)["code"]
    response = requests.post(f"{stripe_sandbox.url}/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_secret": new_key("sk_live_")})
    assert response.json()["error"] == "invalid_grant"


def test_a_refresh_token_gives_a_new_access_token(stripe_sandbox, sandbox_key):
    token = stripe_sandbox.connect_account(sandbox_key, demo=False)
    refreshed = client(stripe_sandbox, sandbox_key).oauth.token(
        params={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
    assert refreshed["stripe_user_id"] == token["stripe_user_id"]
    assert refreshed["access_token"] != token["access_token"]


def test_deauthorize_revokes_the_tokens_and_the_stripe_account_header(stripe_sandbox, sandbox_key):
    token = stripe_sandbox.connect_account(sandbox_key, demo=False)
    platform = client(stripe_sandbox, sandbox_key)
    answer = platform.oauth.deauthorize(params={"stripe_user_id": token["stripe_user_id"]})
    assert answer["stripe_user_id"] == token["stripe_user_id"]
    with pytest.raises(stripe.AuthenticationError):
        client(stripe_sandbox, token["access_token"]).v1.balance.retrieve()
    with pytest.raises(stripe.PermissionError):
        client(stripe_sandbox, sandbox_key, stripe_account=token["stripe_user_id"]).v1.balance.retrieve()
    with pytest.raises(stripe.oauth_error.InvalidGrantError):
        platform.oauth.token(params={"grant_type": "refresh_token",
                                     "refresh_token": token["refresh_token"]})


def test_deauthorizing_tells_the_platforms_connect_endpoint(stripe_sandbox, sandbox_key, webhook_receiver):
    platform = client(stripe_sandbox, sandbox_key)
    platform.v1.webhook_endpoints.create(params={
        "url": webhook_receiver.url, "enabled_events": ["account.application.deauthorized"],
        "connect": True})
    token = stripe_sandbox.connect_account(sandbox_key, demo=False)
    platform.oauth.deauthorize(params={"stripe_user_id": token["stripe_user_id"]})
    [delivery] = webhook_receiver.wait_for(1)
    event = webhook_receiver.events()[0]
    assert event["type"] == "account.application.deauthorized"
    assert event["account"] == token["stripe_user_id"]
    assert event["data"]["object"]["id"] == "ca_light1234567"


def test_a_platform_has_one_application_and_another_client_id_is_no_such_application(stripe_sandbox, sandbox_key):
    token = stripe_sandbox.connect_account(sandbox_key, demo=False)
    client(stripe_sandbox, sandbox_key).oauth.deauthorize(params={"stripe_user_id": token["stripe_user_id"]})
    again = stripe_sandbox.connect_account(sandbox_key, demo=False)
    other = stripe.StripeClient(sandbox_key, base_addresses={"api": stripe_sandbox.url, "connect": stripe_sandbox.url},
                                client_id="ca_someoneElse123", max_network_retries=0)
    with pytest.raises(stripe.oauth_error.InvalidClientError) as caught:
        other.oauth.deauthorize(params={"stripe_user_id": again["stripe_user_id"]})
    assert "No such application" in str(caught.value)
    with pytest.raises(stripe.oauth_error.InvalidClientError) as gone:  # the application's own: not connected
        client(stripe_sandbox, sandbox_key).oauth.deauthorize(params={"stripe_user_id": token["stripe_user_id"]})
    assert "not connected" in str(gone.value)
