"""Bad input never 500s on Bank Reconciliation: filters, cursors, ids, the OAuth callback, posts.
Each case gets the one right status and writes nothing.

The owner, logged in, and a bank account with five transactions are made once for the module
(tests/fixtures/shared_app.py); a case that writes has the database put back before the next one."""
import pytest

from light.banking.models import BankAccount, StripeConnection
from light.extensions import db
from tests.conftest import make_config
from tests.fixtures.owned.banking import sandbox_config, seed_connection
from tests.fixtures.shared_app import SharedApp, database_state
from tests.fixtures.stripe_sandbox import new_key

HUGE = "9" * 30
FRAGMENT = {"HX-Request": "true", "HX-Target": "transactions"}


@pytest.fixture(scope="module")
def shared(database_url, redis_connection, stripe_sandbox):
    config = sandbox_config(make_config(database_url, REDIS_CONNECTION=redis_connection), stripe_sandbox, new_key())
    with SharedApp(config, build_world) as shared:
        yield shared


def build_world(shared):
    owner = shared.auth.login()
    _, account = seed_connection(owner, transactions=5)
    return {"owner": owner, "bank_account": account.id}


@pytest.fixture
def app(shared):
    yield from shared.each_test()


@pytest.fixture
def client(app, shared):
    return shared.client


@pytest.fixture
def owner(app, shared):
    """The owner of the module's organization, logged in on `client`."""
    return shared.world["owner"]


@pytest.fixture
def bank_account(app, shared):
    return db.session.get(BankAccount, shared.world["bank_account"])


# 422: a filter that can't be read, shown beside its field; 400: a NUL byte, refused before any
# query. Anything else is not a filter or cursor of this page (a malformed "after" cursor
# included: it can only be typed by hand) and the first page is shown as if it weren't there.
FILTERS_AND_CURSORS = [
    ("category=x", 422), ("category=" + "c" * 10_000, 422), ("status=x", 422), ("status=", 200),
    ("status=AVAILABLE", 422), ("from=2026-02-30", 422), ("to=2026-02-30", 422), ("from=x", 422), ("to=x", 422),
    ("from=2026-13-01", 422), ("to=0000-01-01", 422), ("from=9999-12-31", 200), ("to=9999-12-31", 200),
    ("from=0001-01-01&to=9999-12-31", 200), ("from=2026-02-01&to=2026-01-01", 422),
    ("q=" + "a" * 10_000, 200), ("q=%00", 400), ("q=%25%5F%5C", 200), ("q=%F0%9F%92%B8", 200), ("from=%00", 400),
    ("category=%00", 400), ("after=x", 200), ("after=", 200), ("after=-1", 200), ("after=-1--1", 200),
    ("after=1-x", 200), ("after=1--5", 200), (f"after=1-{HUGE}", 200), (f"after={HUGE}-1", 200),
    ("after=-99999999999-1", 200), ("after=1e9-1", 200), ("after=1.5-2", 200), ("after=%00-%00", 400),
    ("page=-1", 200), (f"page={HUGE}", 200), ("per_page=-5", 200), (f"limit={HUGE}", 200),
    ("category=charge&category=refund", 200),
]


@pytest.mark.parametrize("query, status", FILTERS_AND_CURSORS,
                         ids=[q if len(q) < 60 else f"{q[:12]}... ({len(q)} chars)" for q, _ in FILTERS_AND_CURSORS])
@pytest.mark.parametrize("headers", [{}, FRAGMENT], ids=["page", "fragment"])
def test_any_filter_or_cursor_on_the_reconciliation_view_answers_without_a_server_error(
        client, bank_account, query, status, headers):
    before = database_state()
    response = client.get(f"/bank-reconciliation/accounts/{bank_account.id}?{query}", headers=headers)
    assert response.status_code == status
    if status == 422:
        assert 'role="alert" class="field-error' in response.get_data(as_text=True)
    assert database_state() == before


def test_an_end_date_at_the_end_of_the_calendar_still_filters(client, bank_account):
    response = client.get(f"/bank-reconciliation/accounts/{bank_account.id}?from=2000-01-01&to=9999-12-31")
    assert response.status_code == 200 and response.get_data(as_text=True).count('class="bank-transaction"') == 5


def test_ten_thousand_characters_of_search_text_are_not_echoed_into_the_next_page_link(client, owner):
    _, account = seed_connection(owner, transactions=60, stripe_user_id="acct_bad000002")
    html = client.get(f"/bank-reconciliation/accounts/{account.id}?q=Order{'x' * 10_000}").get_data(as_text=True)
    assert "x" * 201 not in html


@pytest.mark.parametrize("path", ["/accounts/{n}", "/payouts/{n}"])
@pytest.mark.parametrize("n", ["0", HUGE, "2147483648"])
def test_an_id_that_cannot_exist_is_404(client, owner, path, n):
    assert client.get("/bank-reconciliation" + path.format(n=n)).status_code == 404


@pytest.mark.parametrize("action", ["sync", "disconnect"])
@pytest.mark.parametrize("n", ["0", HUGE])
def test_posting_to_an_id_that_cannot_exist_is_404(client, owner, action, n):
    assert client.post(f"/bank-reconciliation/connections/{n}/{action}").status_code == 404


@pytest.mark.parametrize("action", ["sync", "disconnect"])
def test_posting_to_another_organizations_connection_is_404_and_changes_nothing(client, auth, owner, action,
                                                                                 run_jobs):
    theirs, _ = seed_connection(auth.create_owner(organization="Other Ltd"), stripe_user_id="acct_theirs0001")
    before = database_state()
    assert client.post(f"/bank-reconciliation/connections/{theirs.id}/{action}").status_code == 404
    run_jobs()
    assert database_state() == before
    db.session.refresh(theirs)
    assert theirs.status == "active" and theirs.access_token is not None


def test_a_member_may_not_disconnect(client, auth):
    owner = auth.create_owner()
    connection, _ = seed_connection(owner)
    auth.login(auth.create_member(owner))
    assert client.post(f"/bank-reconciliation/connections/{connection.id}/disconnect").status_code == 403
    db.session.refresh(connection)
    assert connection.status == "active"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                      "/%5Cevil.example", "\\\\evil.example", "/x\r\nSet-Cookie: a=b",
                                      "javascript:alert(1)", " /bank-reconciliation/", ""])
def test_sync_now_only_goes_back_to_a_page_of_this_light(client, bank_account, next_url):
    connection = bank_account.connection
    connection.status = "disconnected"  # nothing gets queued; only the redirect matters here
    db.session.commit()
    response = client.post(f"/bank-reconciliation/connections/{connection.id}/sync", data={"next": next_url})
    assert response.status_code == 303
    assert response.headers["Location"] == "/bank-reconciliation/"


def test_sync_now_goes_back_to_the_bank_account_it_was_pressed_on(client, bank_account):
    back = f"/bank-reconciliation/accounts/{bank_account.id}"
    response = client.post(f"/bank-reconciliation/connections/{bank_account.connection_id}/sync",
                           data={"next": back})
    assert response.headers["Location"] == back


def start_oauth(client) -> str:
    """Start Connect Bank > Stripe Account and return the state Light expects back."""
    response = client.get("/bank-reconciliation/connect/stripe")
    assert response.status_code == 303
    return response.headers["Location"].split("state=")[1].split("&")[0]


CALLBACK_CASES = {
    "nothing": {},
    "only a code": {"code": "ac_whatever"},
    "only an error": {"error": "access_denied"},
    "a forged state": {"state": "forged", "code": "ac_whatever"},
    "an empty state": {"state": "", "code": "ac_whatever"},
    "the state twice": {"state": ["{state}", "other"], "code": "ac_x"},
    "the state and no code": {"state": "{state}"},
    "the state and an empty code": {"state": "{state}", "code": ""},
    "the state and a garbled code": {"state": "{state}", "code": "ac_\x00<script>" + "z" * 5000},
    "the state and an unknown code": {"state": "{state}", "code": "ac_neverissued0001"},
    "the state and an error": {"state": "{state}", "error": "invalid_scope", "error_description": "<b>bad</b>"},
    "the state, a code and an error": {"state": "{state}", "code": "ac_x", "error": "access_denied"},
    "the state and a long error": {"state": "{state}", "error": "e" * 10_000},
    "the state and an unknown error": {"state": "{state}", "error": "\x00"},
}


@pytest.mark.parametrize("case", CALLBACK_CASES, ids=list(CALLBACK_CASES))
@pytest.mark.parametrize("started", [True, False], ids=["started", "not started"])
def test_any_oauth_callback_answers_with_a_message_and_connects_nothing(client, owner, case, started):
    before = database_state()
    state = start_oauth(client) if started else "nostate"
    query = {k: ([x.format(state=state) for x in v] if isinstance(v, list) else v.format(state=state))
             for k, v in CALLBACK_CASES[case].items()}
    response = client.get("/bank-reconciliation/connect/stripe/callback", query_string=query)
    # 200 only for the person's own "no" on Stripe's page, to the sign-in they started (DECLINED);
    # anything else is a link that can't be used: a missing or forged state, no or a bad code, an error.
    declined = started and case == "the state, a code and an error"
    assert response.status_code == (200 if declined else 400)
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "<b>bad</b>" not in html and "e" * 1000 not in html
    assert StripeConnection.query.count() == 1  # the module's own, and no other
    assert database_state() == before


def test_a_member_reaching_the_oauth_callback_is_refused(client, auth):
    owner = auth.create_owner()
    auth.login(auth.create_member(owner))
    assert client.get("/bank-reconciliation/connect/stripe/callback?code=ac_x&state=y").status_code == 403
