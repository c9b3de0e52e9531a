import pytest

from light.auth.models import User
from light.extensions import db
from tests.fixtures.web import csrf_token_from


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_missing_or_forged_csrf_token_gets_400_and_changes_nothing(client, token):
    client.get("/signup")
    data = {"organization": "Acme", "name": "Ada", "email": "ada@example.com", "password": "a-long-passphrase"}
    if token:
        data["csrf_token"] = token
    response = client.post("/signup", data=data)
    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True)
    assert db.session.query(User).count() == 0


def test_htmx_requests_carry_the_token_in_a_header(client, auth):
    person = auth.create_owner()
    login_page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": person.email, "password": "correct horse battery",
                                "csrf_token": csrf_token_from(login_page)})
    token = csrf_token_from(client.get("/settings/team").get_data(as_text=True))
    without = client.post("/settings/team/invitations", data={"email": "a@example.com"}, headers={"HX-Request": "true"})
    assert without.status_code == 400
    with_header = client.post("/settings/team/invitations", data={"email": "a@example.com"},
                              headers={"HX-Request": "true", "X-CSRFToken": token})
    assert with_header.status_code == 200


# The only routes a browser session can't post to, because a system (not a person) posts there:
# Stripe signs each body (light/plumbing/webhooks/routes.py verifies it before writing anything), and
# Salesforce's Outbound Messages carry the connected org's id, checked before anything is written.
EXEMPT = {"webhooks.stripe_connect", "webhooks.stripe_integration", "salesforce_outbound.receive"}


def _state_changing_rules():
    from light import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    for rule in app.url_map.iter_rules():
        methods = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if methods:
            values = {arg: 1 if rule._converters[arg].__class__.__name__ == "IntegerConverter" else "x1"
                      for arg in rule.arguments}
            yield rule.endpoint, rule.build(values)[1], sorted(methods)[0]


STATE_CHANGING = sorted(set(_state_changing_rules()))


@pytest.mark.parametrize("endpoint, url, method", STATE_CHANGING, ids=[r[0] for r in STATE_CHANGING])
def test_every_state_changing_route_needs_the_csrf_token(client, endpoint, url, method):
    response = client.open(url, method=method, data={"anything": "1"})
    if endpoint in EXEMPT:
        assert response.status_code != 400 or "form has expired" not in response.get_data(as_text=True)
    else:
        assert response.status_code == 400 and "form has expired" in response.get_data(as_text=True), endpoint


def test_only_the_webhooks_are_exempt_from_csrf():
    from light.extensions import csrf

    assert csrf._exempt_views == {"light.plumbing.webhooks.routes.stripe_connect",
                                  "light.plumbing.webhooks.routes.stripe_integration",
                                  "light.salesforce.outbound_routes.receive"}
    assert not csrf._exempt_blueprints
