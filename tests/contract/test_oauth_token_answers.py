"""The sandbox's /oauth/token (Connect OAuth) and /v1/oauth/token (Stripe App) answer with exactly
the fields Stripe documents, and refuse in OAuth's error shape, so Light's Authlib client can't come
to rely on a field or an error shape real Stripe doesn't send.

Connect OAuth (docs.stripe.com/connect/oauth-reference, "POST /oauth/token"): access_token,
livemode, refresh_token, scope, stripe_publishable_key, stripe_user_id, token_type "bearer"; errors
are `{"error": ..., "error_description": ...}` with a 4xx; POST /oauth/deauthorize answers
`{"stripe_user_id": ...}`. Stripe App (docs.stripe.com/stripe-apps/api-authentication/oauth): the
same seven fields with scope "stripe_apps" (no `expires_in` unless Stripe sends one)."""
import pytest
import requests

from tests.sandbox.test_sandbox_stripe_apps import REDIRECT, install

DOCUMENTED = {"access_token", "livemode", "refresh_token", "scope", "stripe_publishable_key", "stripe_user_id",
              "token_type"}
OAUTH_ERRORS = {"invalid_grant", "invalid_request", "invalid_client", "invalid_scope", "unsupported_grant_type",
                "unsupported_response_type", "access_denied"}


def connect_token(stripe_sandbox, key, **form):
    return requests.post(f"{stripe_sandbox.url}/oauth/token", data=form, auth=(key, ""), timeout=30)


def app_token(stripe_sandbox, key, **form):
    return requests.post(f"{stripe_sandbox.url}/v1/oauth/token", data=form, auth=(key, ""), timeout=30)


@pytest.fixture
def app(stripe_sandbox, sandbox_key):
    client_id = "ca_contract" + sandbox_key[-10:]
    stripe_sandbox.control("POST", "apps", client_id=client_id, api_key=sandbox_key, redirect_uris=[REDIRECT])
    yield client_id
    stripe_sandbox.control("POST", "apps/settings")


def assert_documented_token(response, scope):
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == DOCUMENTED
    assert body["token_type"] == "bearer" and body["scope"] == scope
    assert body["livemode"] is False
    assert all(isinstance(body[field], str) for field in DOCUMENTED - {"livemode"})
    assert body["stripe_user_id"].startswith("acct_")
    assert body["stripe_publishable_key"].startswith("pk_test_")
    assert body["refresh_token"] and body["access_token"] != body["refresh_token"]
    return body


def assert_oauth_error(response, error, status=400):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "error_description"}  # not the API's {"error": {"type", "message", ...}}
    assert body["error"] == error and error in OAUTH_ERRORS
    assert isinstance(body["error_description"], str) and body["error_description"]


# -- Connect OAuth ----------------------------------------------------------------------------------
@pytest.mark.parametrize("scope", ["read_write", "read_only"])
def test_connect_code_exchange_answers_exactly_stripes_fields(stripe_sandbox, sandbox_key, scope):
    code = stripe_sandbox.control("POST", "accounts", api_key=sandbox_key, demo=False, scope=scope,
                                  **{"return": "code"})["code"]
    body = assert_documented_token(connect_token(stripe_sandbox, sandbox_key, grant_type="authorization_code",
                                                 code=code), scope)
    assert body["access_token"].startswith("sk_test_")


def test_connect_refresh_answers_exactly_stripes_fields(stripe_sandbox, sandbox_key):
    first = stripe_sandbox.connect_account(sandbox_key, demo=False)
    body = assert_documented_token(connect_token(stripe_sandbox, sandbox_key, grant_type="refresh_token",
                                                 refresh_token=first["refresh_token"]), first["scope"])
    assert body["stripe_user_id"] == first["stripe_user_id"]


def test_connect_errors_have_oauths_shape(stripe_sandbox, sandbox_key):
    assert_oauth_error(connect_token(stripe_sandbox, sandbox_key, grant_type="authorization_code",
                                     code="ac_unknown"), "invalid_grant")
    assert_oauth_error(connect_token(stripe_sandbox, sandbox_key, grant_type="refresh_token",
                                     refresh_token="rt_unknown"), "invalid_grant")
    assert_oauth_error(connect_token(stripe_sandbox, sandbox_key, grant_type="password"),
                       "unsupported_grant_type")
    assert_oauth_error(connect_token(stripe_sandbox, "not_a_key"), "invalid_client", 401)


def test_connect_deauthorize_answers_the_stripe_user_id_and_refuses_in_oauths_shape(stripe_sandbox, sandbox_key):
    connected = stripe_sandbox.connect_account(sandbox_key, demo=False)
    form = {"client_id": "ca_contractdeauthorize1", "stripe_user_id": connected["stripe_user_id"]}
    deauthorize = f"{stripe_sandbox.url}/oauth/deauthorize"
    gone = requests.post(deauthorize, auth=(sandbox_key, ""), data=form, timeout=30)
    assert gone.status_code == 200 and gone.json() == {"stripe_user_id": connected["stripe_user_id"]}
    again = requests.post(deauthorize, auth=(sandbox_key, ""), data=form, timeout=30)
    assert_oauth_error(again, "invalid_client")  # no longer connected


# -- Stripe App -------------------------------------------------------------------------------------
def test_app_code_exchange_answers_exactly_stripes_fields(stripe_sandbox, sandbox_key, app):
    code = install(stripe_sandbox, app)["code"]
    body = assert_documented_token(app_token(stripe_sandbox, sandbox_key, grant_type="authorization_code",
                                             code=code), "stripe_apps")
    assert body["access_token"].startswith("rk_test_")


def test_app_refresh_answers_exactly_stripes_fields(stripe_sandbox, sandbox_key, app):
    first = app_token(stripe_sandbox, sandbox_key, grant_type="authorization_code",
                      code=install(stripe_sandbox, app)["code"]).json()
    body = assert_documented_token(app_token(stripe_sandbox, sandbox_key, grant_type="refresh_token",
                                             refresh_token=first["refresh_token"]), "stripe_apps")
    assert body["stripe_user_id"] == first["stripe_user_id"]
    assert body["refresh_token"] != first["refresh_token"]  # rotated


def test_app_errors_have_oauths_shape(stripe_sandbox, sandbox_key, app):
    code = install(stripe_sandbox, app)["code"]
    first = app_token(stripe_sandbox, sandbox_key, grant_type="authorization_code", code=code).json()
    assert_oauth_error(app_token(stripe_sandbox, sandbox_key, grant_type="authorization_code", code=code),
                       "invalid_grant")  # a code works once
    app_token(stripe_sandbox, sandbox_key, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert_oauth_error(app_token(stripe_sandbox, sandbox_key, grant_type="refresh_token",
                                 refresh_token=first["refresh_token"]), "invalid_grant")  # rotated away
    assert_oauth_error(app_token(stripe_sandbox, sandbox_key, grant_type="authorization_code",
                                 code="ac_unknown"), "invalid_grant")
    assert_oauth_error(app_token(stripe_sandbox, sandbox_key, grant_type="client_credentials"),
                       "unsupported_grant_type")


def test_app_token_endpoint_authenticates_like_the_api(stripe_sandbox, sandbox_key, app):
    """/v1/oauth/token is on api.stripe.com and is authenticated with the owner's secret key like any
    API call, so a missing key is the API's 401 (its error object), not an OAuth error."""
    response = app_token(stripe_sandbox, "sk_test_", grant_type="authorization_code", code="ac_x")
    assert response.status_code == 401
    assert set(response.json()) == {"error"} and response.json()["error"]["type"] == "invalid_request_error"
