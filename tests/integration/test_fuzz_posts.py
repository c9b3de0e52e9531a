"""Every POST route, fed generated forms by hypothesis as a signed-in owner: never a 5xx, and a
4xx writes nothing. The example budget is fixed and derandomized, so CI runs the same cases
every time. (CSRF is off for route tests, as if every post carried a valid token; CSRF itself has
tests/integration/test_csrf.py.)"""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func

from light.auth.models import Invitation, User
from light.banking.models import BankAccount, StripeConnection
from light.contracts.models import Contract
from light.customers.models import Customer
from light.extensions import db
from light.integrations.models import Integration
from light.invoices.models import Invoice, InvoiceEvent
from light.statements.models import StatementAccount, StatementLine, StatementUpload
from light.team import services as team_services
from tests.fixtures.invoices import create_invoice, invoice_form, on_the_sandbox
from tests.fixtures.owned.statements import statement_world
from tests.fixtures.stripe_sandbox import new_key

EXAMPLES = 25
# What the attempt counter writes on a refused log-in is the throttle doing its job.
WRITTEN_ON_PURPOSE = {"login_failures"}
FIELDS = ("amount", "confirm", "currency", "customer_id", "days_until_due", "due_date", "email", "end_date",
          "frequency", "issue_date", "name", "organization", "password", "payment_method", "remember", "role",
          "secret_key", "replace_secret_key", "signing_secret", "start_date", "steps_submitted", "next",
          "new_customer_name", "new_customer_email", "new_customer_currency", "new_customer_address",
          "line_description", "line_quantity", "line_unit_price", "line_tax_rate", "reminders-days_before",
          "reminders-days_after", "reminders-enabled", "auto_charge-enabled", "send_payment_link-enabled", "address")
NASTY = ("", " ", "0", "-1", "1e999999999", "9" * 40, "1,5", "$1,000.50", "20%", "NaN", "Infinity", "é", "💸",
         "2026-13-45", "9999-12-31", "0001-01-01", "2026-12-01", "new", "stripe", "bank_transfer", "monthly",
         "yearly", "on", "owner", "member", "remove", "USD", "JPY", "KWD", "XYZ", "<script>alert(1)</script>",
         "sk_test_fuzzkey0000000", "rk_test_fuzzkey0000000", "pk_test_x", "whsec_fuzz", "x" * 400,
         "//evil.example", "a@b", "ada@example.com", "\u202e", "1" * 12)
values = st.one_of(st.sampled_from(NASTY), st.text(max_size=30), st.integers(-10**20, 10**20).map(str))
forms = st.dictionaries(st.sampled_from(FIELDS), st.one_of(values, st.lists(values, max_size=3)), max_size=8)


@pytest.fixture
def app_config(app_config, stripe_sandbox):
    config = on_the_sandbox(app_config, stripe_sandbox)
    config.update(LOGIN_MAX_FAILURES=10**6, LOGIN_MAX_FAILURES_PER_CLIENT=10**6, STRIPE_MAX_ATTEMPTS=1)
    return config


@pytest.fixture
def world(app, client, auth):
    """An owner with one of each thing a POST route can name, and the ids and tokens to name them by."""
    owner = auth.login()
    invoice = create_invoice(client, method="bank_transfer")
    issued = create_invoice(client, method="bank_transfer", customer_id=invoice.customer_id)
    client.post(f"/invoices/{issued.id}/issue")
    form = invoice_form(method="bank_transfer", customer_id=invoice.customer_id)
    form.update(frequency="monthly", start_date="2030-01-01", end_date="", days_until_due="0")
    assert client.post("/contracts/new", data=form).status_code == 303
    db.session.add(Integration(organization_id=owner.organization_id, kind="stripe", status="active",
                               secret_key=new_key(), account_id="acct_fuzz", account_name="Fuzz",
                               webhook_mode="manual", webhook_secret="whsec_fuzz0001"))
    connection = StripeConnection(organization_id=owner.organization_id, stripe_user_id="acct_fuzzfeed",
                                  access_token="rk_test_fuzzfeed0000", method="restricted_key", status="active")
    db.session.add(connection)
    db.session.flush()
    stripe_usd = BankAccount(organization_id=owner.organization_id, connection_id=connection.id,
                             name="Stripe (USD)", currency="USD", available=0, pending=0)
    db.session.add(stripe_usd)
    db.session.commit()
    statement_world(owner, stripe_usd)
    invitation = team_services.invite(owner=db.session.get(User, owner.id), email="new.member@example.com")
    ids = {name: [i for (i,) in db.session.query(model.id)] for name, model in IDS.items()}
    tokens = [issued.pay_token, invitation.token, "x" * 43, "nope"]
    return owner, ids, tokens


# What each id in a URL names; the odd ones name nothing (or can't, being out of range).
IDS = {"invoice_id": Invoice, "customer_id": Customer, "contract_id": Contract, "integration_id": Integration,
       "connection_id": StripeConnection, "invitation_id": Invitation, "user_id": User, "event_id": InvoiceEvent,
       "account_id": StatementAccount, "line_id": StatementLine, "upload_id": StatementUpload}
# How many POST routes Light has: adding one means fuzzing it (raise this, and it is drawn below).
POST_ROUTES = 71
ODD_IDS = (0, 999_999, 2**31 - 1, 10**12)
LOGGED_OUT = {"auth.login", "auth.signup", "team.accept", "auth.forgot_password", "auth.reset_password"}


def post_routes(app):
    return sorted((rule for rule in app.url_map.iter_rules() if "POST" in rule.methods), key=lambda rule: rule.rule)


def row_counts() -> dict:
    return {table.name: db.session.query(func.count()).select_from(table).scalar()
            for table in db.metadata.sorted_tables if table.name not in WRITTEN_ON_PURPOSE}


def fill(rule, draw, ids, tokens) -> str:
    """The rule's URL with each <converter:name> replaced by a drawn id or token."""
    url = rule.rule
    for spec in [part.split(">")[0] for part in rule.rule.split("<")[1:]]:
        name = spec.split(":")[-1]
        if name in ids:  # mostly a real one, so the route's own checks run
            value = draw(st.one_of(st.sampled_from(ids[name]), st.sampled_from(ids[name]),
                                   st.sampled_from(ids[name]), st.sampled_from(ODD_IDS)))
        else:
            value = draw(st.sampled_from(tokens))
        url = url.replace(f"<{spec}>", str(value), 1)
    return url


def test_every_post_route_is_fuzzed(app):
    # A route added without fuzzing would slip through: this list is the fuzz's own.
    assert len(post_routes(app)) == POST_ROUTES


@pytest.mark.parametrize("index", range(POST_ROUTES))
def test_generated_posts_never_5xx_and_a_refusal_writes_nothing(app, client, auth, world, index):
    owner, ids, tokens = world
    rule = post_routes(app)[index]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=st.data())
    def post(data):
        auth.login(owner)  # a generated post may have logged out, or in as someone else
        if rule.endpoint in LOGGED_OUT:
            client.post("/logout")
        url = fill(rule, data.draw, ids, tokens)
        form = data.draw(forms)
        db.session.expire_all()
        before = row_counts()
        response = client.post(url, data=form)
        assert response.status_code < 500, (url, form, response.status_code)
        if 400 <= response.status_code < 500:
            db.session.expire_all()
            assert row_counts() == before, (url, form, response.status_code)

    post()
