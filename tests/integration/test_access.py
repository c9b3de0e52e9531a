"""Every non-public URL needs a login, and every organization-owned URL answers 404 to another
organization. New routes are picked up from the URL map, so a forgotten guard fails here.

The two organizations (Org A's owner logged in on `client`) are made once for the module
(tests/fixtures/shared_app.py); a case that writes has the database put back before the next one."""
import importlib
import pkgutil

import pytest

import tests.fixtures.owned as owned_pkg
from light import create_app
from light.extensions import db
from tests.conftest import make_config
from tests.fixtures.shared_app import SharedApp, database_state

# Endpoints anyone may reach: the customer's pay page, webhooks, sign-up and log-in.
PUBLIC_PREFIXES = ("static", "auth.signup", "auth.login", "auth.logout", "auth.forgot_password", "auth.reset_password", "team.accept", "home.healthz",
                   "home.index", "webhooks.", "pay.", "banking.oauth_callback", "salesforce_outbound.")


@pytest.fixture(scope="module")
def shared(database_url, redis_connection):
    with SharedApp(make_config(database_url, REDIS_CONNECTION=redis_connection), build_world) as shared:
        yield shared


def build_world(shared):
    owner_b = shared.auth.create_owner(organization="Org B")
    owner_a = shared.auth.login(shared.auth.create_owner(organization="Org A"))
    return {"owner_a": owner_a, "owner_b": owner_b}


@pytest.fixture
def app(shared):
    yield from shared.each_test()


@pytest.fixture
def client(app, shared):
    """Logged in as Org A's owner."""
    return shared.client


@pytest.fixture
def anonymous(app):
    return app.test_client()


def _owned_registry() -> dict:
    registry = {}
    for info in pkgutil.iter_modules(owned_pkg.__path__):
        registry.update(importlib.import_module(f"{owned_pkg.__name__}.{info.name}").OWNED)
    return registry


def _rules():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(PUBLIC_PREFIXES):
            yield rule


def _sample_url(rule) -> str:
    values = {arg: 1 if rule._converters[arg].__class__.__name__ == "IntegerConverter" else "x1"
              for arg in rule.arguments}
    return rule.build(values)[1]


PROTECTED = sorted({(r.endpoint, _sample_url(r), "GET" if "GET" in r.methods else sorted(r.methods - {"OPTIONS"})[0])
                    for r in _rules()})


@pytest.mark.parametrize("endpoint, url, method", PROTECTED, ids=[p[0] for p in PROTECTED])
def test_every_non_public_url_requires_login(anonymous, endpoint, url, method):
    before = database_state()
    response = anonymous.open(url, method=method)
    assert response.status_code == 302, f"{endpoint} answered {response.status_code}"
    assert response.headers["Location"].startswith("/login?next=")
    assert database_state() == before


OWNED = _owned_registry()


def test_every_organization_owned_url_is_in_the_tenancy_registry():
    with_ids = {r.endpoint for r in _rules() if r.arguments and "GET" in r.methods}
    missing = with_ids - set(OWNED)
    assert not missing, f"add these endpoints to tests/fixtures/owned/: {sorted(missing)}"


@pytest.mark.parametrize("endpoint", sorted(OWNED))
def test_another_organizations_object_answers_404(client, auth, shared, endpoint):
    url = OWNED[endpoint](shared.world["owner_a"])
    db.session.remove()
    assert client.get(url).status_code == 200, "the owner's own object must be reachable"
    auth.login(shared.world["owner_b"])
    before = database_state()
    assert client.get(url).status_code == 404
    assert database_state() == before


INT_ID_RULES = sorted({r.endpoint: r for r in _rules() if "GET" in r.methods and r.arguments and all(
    r._converters[a].__class__.__name__ == "IntegerConverter" for a in r.arguments)}.items())


@pytest.mark.parametrize("endpoint, rule", INT_ID_RULES, ids=[e for e, _ in INT_ID_RULES])
def test_an_id_beyond_the_databases_range_answers_404_not_500(client, endpoint, rule):
    url = rule.build({arg: 99999999999999999999 for arg in rule.arguments})[1]
    assert client.get(url).status_code == 404


STRING_ARG_RULES = sorted({r.endpoint: r for r in create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
                           .url_map.iter_rules() if "GET" in r.methods and any(
    r._converters[a].__class__.__name__ == "UnicodeConverter" for a in r.arguments)}.items())


@pytest.mark.parametrize("endpoint, rule", STRING_ARG_RULES, ids=[e for e, _ in STRING_ARG_RULES])
def test_a_nul_byte_in_a_url_answers_400_not_500(client, endpoint, rule):
    # PostgreSQL refuses NUL in a query, so it must never reach one (SQLite would let it through).
    url = rule.build({arg: 1 if rule._converters[arg].__class__.__name__ == "IntegerConverter" else "a\x00b"
                      for arg in rule.arguments})[1]
    assert client.get(url).status_code == 400
