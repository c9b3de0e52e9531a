"""A Stripe App with OAuth, as docs.stripe.com/stripe-apps/api-authentication/oauth has it: the install
link, /v1/oauth/token with the owner's secret key, expiring access tokens, rotating refresh tokens,
uninstalling."""
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.fixtures.stripe_sandbox import new_key

REDIRECT = "http://light.example/bank-reconciliation/connect/stripe/callback"


@pytest.fixture
def app(stripe_sandbox, sandbox_key):
    client_id = "ca_app" + secrets.token_hex(6)
    stripe_sandbox.control("POST", "apps", client_id=client_id, api_key=sandbox_key, redirect_uris=[REDIRECT])
    yield client_id
    stripe_sandbox.control("POST", "apps/settings")


def install(stripe_sandbox, client_id, *, decision="accept", state="s-1", redirect_uri=REDIRECT):
    page = requests.get(f"{stripe_sandbox.url}/oauth/v2/authorize",
                        params={"client_id": client_id, "redirect_uri": redirect_uri, "state": state}, timeout=30)
    assert page.status_code == 200, page.text
    answer = requests.post(f"{stripe_sandbox.url}/oauth/v2/authorize", allow_redirects=False, timeout=30,
                           data={"client_id": client_id, "redirect_uri": redirect_uri, "state": state,
                                 "decision": decision, "account": "new", "business_name": "Acme"})
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect_uri
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def token(stripe_sandbox, key, **form):
    return requests.post(f"{stripe_sandbox.url}/v1/oauth/token", data=form, auth=(key, ""), timeout=30)


def test_the_install_link_lists_the_permissions_and_redirects_with_code_and_state(stripe_sandbox, app):
    page = requests.get(f"{stripe_sandbox.url}/oauth/v2/authorize",
                        params={"client_id": app, "redirect_uri": REDIRECT, "state": "s-1"}, timeout=30).text
    assert "payout_read" in page and "balance_read" in page and "Accept and install" in page
    answer = install(stripe_sandbox, app)
    assert answer["state"] == "s-1" and answer["code"].startswith("ac_")
    assert install(stripe_sandbox, app, decision="decline")["error"] == "access_denied"


def test_a_redirect_uri_outside_the_manifest_is_refused(stripe_sandbox, app):
    page = requests.get(f"{stripe_sandbox.url}/oauth/v2/authorize", timeout=30,
                        params={"client_id": app, "redirect_uri": "https://evil.example/cb", "state": "s"})
    assert page.status_code == 400 and "allowed_redirect_uris" in page.text


def test_the_code_exchange_answers_stripes_documented_fields_and_the_code_works_once(stripe_sandbox, app,
                                                                                     sandbox_key):
    code = install(stripe_sandbox, app)["code"]
    answer = token(stripe_sandbox, sandbox_key, grant_type="authorization_code", code=code)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "livemode", "refresh_token", "scope", "stripe_publishable_key",
                         "stripe_user_id", "token_type"}  # no expires_in: Stripe's example has none
    assert body["scope"] == "stripe_apps" and body["token_type"] == "bearer" and body["livemode"] is False
    assert body["access_token"].startswith("rk_test_") and body["refresh_token"].startswith("rt_")
    again = token(stripe_sandbox, sandbox_key, grant_type="authorization_code", code=code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_only_the_app_owners_secret_key_exchanges(stripe_sandbox, app, sandbox_key):
    code = install(stripe_sandbox, app)["code"]
    assert token(stripe_sandbox, new_key(), grant_type="authorization_code", code=code).json()["error"] == \
        "invalid_grant"  # another developer's key: not its code
    assert requests.post(f"{stripe_sandbox.url}/v1/oauth/token", timeout=30,
                         data={"grant_type": "authorization_code", "code": code}).status_code == 401
    body = token(stripe_sandbox, sandbox_key, grant_type="authorization_code", code=code).json()
    refused = token(stripe_sandbox, body["access_token"], grant_type="refresh_token",
                    refresh_token=body["refresh_token"])
    assert refused.status_code == 403 and "required permissions" in refused.json()["error"]["message"]


def test_an_access_token_reads_what_the_app_may_and_expires_after_an_hour(stripe_sandbox, app, sandbox_key):
    body = token(stripe_sandbox, sandbox_key, grant_type="authorization_code",
                 code=install(stripe_sandbox, app)["code"]).json()
    access = body["access_token"]
    assert stripe_sandbox.api("GET", "/v1/balance", access).status_code == 200
    assert stripe_sandbox.api("GET", "/v1/customers", access).status_code == 403  # not a permission it has
    assert stripe_sandbox.api("GET", "/v1/account", access).status_code == 403  # a restricted key
    # The sandbox's clock also runs in real time: 30 s of slack so a slow machine can't cross the hour early.
    stripe_sandbox.control("POST", "clock/advance", seconds=3570)
    assert stripe_sandbox.api("GET", "/v1/balance", access).status_code == 200
    stripe_sandbox.control("POST", "clock/advance", seconds=30)
    expired = stripe_sandbox.api("GET", "/v1/balance", access)
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "api_key_expired"


def test_refresh_tokens_rotate_and_a_used_one_answers_invalid_grant(stripe_sandbox, app, sandbox_key):
    first = token(stripe_sandbox, sandbox_key, grant_type="authorization_code",
                  code=install(stripe_sandbox, app)["code"]).json()
    second = token(stripe_sandbox, sandbox_key, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    assert second["stripe_user_id"] == first["stripe_user_id"]
    reused = token(stripe_sandbox, sandbox_key, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert token(stripe_sandbox, sandbox_key, grant_type="refresh_token",
                 refresh_token=second["refresh_token"]).status_code == 200


def test_expires_in_and_the_lifetime_can_be_set_for_a_test(stripe_sandbox, app, sandbox_key):
    stripe_sandbox.control("POST", "apps/settings", access_token_lifetime=60, expires_in=True)
    body = token(stripe_sandbox, sandbox_key, grant_type="authorization_code",
                 code=install(stripe_sandbox, app)["code"]).json()
    assert body["expires_in"] == 60


def test_uninstalling_revokes_the_tokens_and_tells_the_owner(stripe_sandbox, app, sandbox_key):
    body = token(stripe_sandbox, sandbox_key, grant_type="authorization_code",
                 code=install(stripe_sandbox, app)["code"]).json()
    account = body["stripe_user_id"]
    stripe_sandbox.control("POST", "apps/uninstall", account=account, client_id=app)
    assert stripe_sandbox.api("GET", "/v1/balance", body["access_token"]).status_code == 401
    assert token(stripe_sandbox, sandbox_key, grant_type="refresh_token",
                 refresh_token=body["refresh_token"]).json()["error"] == "invalid_grant"
    events = stripe_sandbox.store.accounts[account]["events"].items
    deauthorized = [e for e in events if e["type"] == "account.application.deauthorized"]
    assert deauthorized and deauthorized[-1]["account"] == account
    assert deauthorized[-1]["data"]["object"] == {"id": app, "object": "application", "name": "Light"}


def test_a_refresh_token_unused_for_a_year_expires(stripe_sandbox, app, sandbox_key):
    body = token(stripe_sandbox, sandbox_key, grant_type="authorization_code",
                 code=install(stripe_sandbox, app)["code"]).json()
    stripe_sandbox.control("POST", "clock/advance", days=365)
    late = token(stripe_sandbox, sandbox_key, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"


# -- knowingly different from Stripe (flip a test when the sandbox closes the gap) ------------------
def test_known_difference_an_unregistered_app_takes_any_redirect_uri(stripe_sandbox):
    """Stripe: only a published (or externally tested) app has an install link, and redirect_uri must be
    one of its allowed_redirect_uris. The sandbox registers an unknown client id on first use."""
    answer = install(stripe_sandbox, "ca_never" + secrets.token_hex(6), redirect_uri="http://anywhere.example/cb")
    assert answer["code"].startswith("ac_")


def test_known_difference_an_access_token_outlives_its_refresh(stripe_sandbox, app, sandbox_key):
    """Stripe doesn't say whether refreshing ends the previous access token; the sandbox keeps it for its hour."""
    first = token(stripe_sandbox, sandbox_key, grant_type="authorization_code",
                  code=install(stripe_sandbox, app)["code"]).json()
    token(stripe_sandbox, sandbox_key, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert stripe_sandbox.api("GET", "/v1/balance", first["access_token"]).status_code == 200


def test_known_difference_reusing_a_refresh_token_does_not_revoke_the_newer_one(stripe_sandbox, app, sandbox_key):
    """Stripe doesn't document whether a reused refresh token revokes the whole grant (RFC 6819 suggests it
    may); the sandbox refuses only the reused one."""
    first = token(stripe_sandbox, sandbox_key, grant_type="authorization_code",
                  code=install(stripe_sandbox, app)["code"]).json()
    second = token(stripe_sandbox, sandbox_key, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
    token(stripe_sandbox, sandbox_key, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert token(stripe_sandbox, sandbox_key, grant_type="refresh_token",
                 refresh_token=second["refresh_token"]).status_code == 200


def test_known_difference_the_owner_hears_every_event_whatever_the_apps_event_permissions(stripe_sandbox,
                                                                                         sandbox_key):
    """Stripe sends an app only the events its permissions cover; the sandbox sends the owner all of them."""
    client_id = "ca_app" + secrets.token_hex(6)
    stripe_sandbox.control("POST", "apps", client_id=client_id, api_key=sandbox_key, redirect_uris=[REDIRECT],
                           permissions=["balance_read"])
    body = token(stripe_sandbox, sandbox_key, grant_type="authorization_code",
                 code=install(stripe_sandbox, client_id)["code"]).json()
    event = stripe_sandbox.control("POST", "events", account=body["stripe_user_id"], type="payout.paid",
                                   object={"id": "po_x", "object": "payout"})
    assert event["account"] == body["stripe_user_id"]  # addressed to the owner's Connect endpoints


def test_known_difference_expand_is_not_checked_against_the_apps_permissions(stripe_sandbox, app, sandbox_key):
    """Stripe needs the permission of an expanded object (a charge's charge_read); the sandbox checks the
    endpoint's resource only."""
    stripe_sandbox.control("POST", "apps", client_id=app, permissions=["balance_transaction_source_read"])
    body = token(stripe_sandbox, sandbox_key, grant_type="authorization_code",
                 code=install(stripe_sandbox, app)["code"]).json()
    listed = stripe_sandbox.api("GET", "/v1/balance_transactions", body["access_token"], limit=3,
                                expand=["data.source"])
    assert listed.status_code == 200
    assert any(isinstance(t["source"], dict) for t in listed.json()["data"])
