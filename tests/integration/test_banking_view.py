"""The reconciliation view: filters (htmx), keyset pages, payouts, the chart, bad input."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from light.banking.models import BankAccount, BankPayout, BankTransaction, StripeConnection
from light.extensions import db


@pytest.fixture
def bank_account(auth, client):
    owner = auth.login()
    connection = StripeConnection(organization_id=owner.organization_id, stripe_user_id="acct_view0001",
                                  display_name="View Shop", status="active", last_synced_at=datetime(2026, 11, 1, 9, 30))
    db.session.add(connection)
    db.session.flush()
    account = BankAccount(organization_id=owner.organization_id, connection_id=connection.id, name="Stripe (USD)",
                          currency="USD", available=123456, pending=789)
    db.session.add(account)
    db.session.flush()
    start = datetime.utcnow() - timedelta(days=30)
    rows = []
    for i in range(130):
        kind = ("charge", "charge", "refund", "quantum")[i % 4]
        rows.append(dict(organization_id=owner.organization_id, bank_account_id=account.id, stripe_id=f"txn_{i:04d}",
                         amount=1000 + i if kind != "refund" else -500, fee=59 if kind == "charge" else 0,
                         net=(1000 + i - 59) if kind == "charge" else (-500 if kind == "refund" else 1000 + i),
                         currency="USD", type=kind if kind != "quantum" else "quantum_thing",
                         reporting_category=kind, category=kind if kind != "quantum" else "other",
                         status="pending" if i >= 120 else "available", created=start + timedelta(hours=5 * i),
                         description=f"Order {i} for {'Ada' if i % 2 else 'Grace'}", source_id=f"ch_{i}"))
    db.session.execute(BankTransaction.__table__.insert(), rows)
    db.session.commit()
    return account


def ids(html):
    return [part.split('"')[0] for part in html.split('data-stripe-id="')[1:]]


def test_the_view_lists_newest_first_with_all_columns_and_the_last_sync(client, bank_account):
    html = client.get(f"/bank-reconciliation/accounts/{bank_account.id}").get_data(as_text=True)
    assert ids(html)[:3] == ["txn_0129", "txn_0128", "txn_0127"] and len(ids(html)) == 50
    for column in ("Date", "Description", "Type", "Gross", "Fee", "Net", "Status", "Match"):
        assert f">{column}</th>" in html
    assert "Unmatched" in html and "Other" in html and "Last synced 01 Nov 2026 09:30 UTC" in html
    assert "$1,234.56" in html and "<svg" in html and "<polyline" in html


def test_keyset_pages_walk_every_row_once(client, bank_account):
    seen, url = [], f"/bank-reconciliation/accounts/{bank_account.id}"
    while url:
        html = client.get(url, headers={"HX-Request": "true", "HX-Target": "x"}).get_data(as_text=True)
        seen += ids(html)
        url = html.split('hx-get="')[-1].split('"')[0].replace("&amp;", "&") if "Show more" in html else None
    assert len(seen) == 130 and len(set(seen)) == 130


def test_filters_narrow_the_rows_and_a_targeted_htmx_request_gets_only_the_fragment(client, bank_account):
    url = f"/bank-reconciliation/accounts/{bank_account.id}?category=refund&status=available&q=grace"
    response = client.get(url, headers={"HX-Request": "true", "HX-Target": "transactions"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'id="transactions"' in html
    rows = ids(html)
    assert rows and all(int(r[4:]) % 4 == 2 and int(r[4:]) % 2 == 0 and int(r[4:]) < 120 for r in rows)
    other = client.get(f"/bank-reconciliation/accounts/{bank_account.id}?category=other").get_data(as_text=True)
    assert ids(other) and all(int(r[4:]) % 4 == 3 for r in ids(other))
    page = client.get(f"/bank-reconciliation/accounts/{bank_account.id}").get_data(as_text=True)
    assert 'hx-push-url="true"' in page and 'hx-target="#transactions"' in page


def test_a_date_range_filters_by_day(client, bank_account):
    day = (datetime.utcnow() - timedelta(days=30)).date()
    html = client.get(f"/bank-reconciliation/accounts/{bank_account.id}?from={day}&to={day}").get_data(as_text=True)
    created = {t.stripe_id: t.created.date() for t in BankTransaction.query}
    assert ids(html) and all(created[i] == day for i in ids(html))


@pytest.mark.parametrize("query, message", [("from=31/01/2026", "Enter the start date as a date"),
                                            ("to=yesterday", "Enter the end date as a date"),
                                            ("from=2026-02-01&to=2026-01-01", "before the start date"),
                                            ("category=nonsense", "Choose a type")])
def test_bad_filters_answer_422_with_a_message_never_500(client, bank_account, query, message):
    response = client.get(f"/bank-reconciliation/accounts/{bank_account.id}?{query}",
                          headers={"HX-Request": "true", "HX-Target": "transactions"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_a_malformed_cursor_starts_from_the_top(client, bank_account):
    html = client.get(f"/bank-reconciliation/accounts/{bank_account.id}?after=zzz").get_data(as_text=True)
    assert ids(html)[0] == "txn_0129"


def test_pages_cost_the_same_few_queries_whatever_the_page(client, bank_account):
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        client.get(f"/bank-reconciliation/accounts/{bank_account.id}")
        first = len(statements)
        statements.clear()
        client.get(f"/bank-reconciliation/accounts/{bank_account.id}?after=9999999999-999999",
                   headers={"HX-Request": "true", "HX-Target": "x"})
        later = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    # Bank Reconciliation adds the page's decisions and links, the state counts and the Re-match job.
    assert first <= 12 and later <= 7


def test_a_payout_row_expands_to_what_it_paid_out(client, bank_account):
    BankTransaction.query.filter(BankTransaction.stripe_id.in_(["txn_0000", "txn_0001"])).update(
        {"payout_id": "po_view1"}, synchronize_session=False)
    paid = sum(t.net for t in BankTransaction.query.filter_by(payout_id="po_view1"))
    db.session.add(BankTransaction(organization_id=bank_account.organization_id, bank_account_id=bank_account.id,
                                   stripe_id="txn_payout", amount=-paid, fee=0, net=-paid, currency="USD",
                                   type="payout", reporting_category="payout", category="payout", status="available",
                                   created=datetime.utcnow(), description="STRIPE PAYOUT", source_id="po_view1",
                                   payout_id="po_view1"))
    payout = BankPayout(organization_id=bank_account.organization_id, bank_account_id=bank_account.id,
                        stripe_id="po_view1", amount=paid, currency="USD", status="paid",
                        reconciliation_status="completed", breakdown_fetched_at=datetime.utcnow())
    db.session.add(payout)
    db.session.commit()
    html = client.get(f"/bank-reconciliation/accounts/{bank_account.id}").get_data(as_text=True)
    assert f"/bank-reconciliation/payouts/{payout.id}" in html and "Show what this payout paid out" in html
    expanded = client.get(f"/bank-reconciliation/payouts/{payout.id}",
                          headers={"HX-Request": "true", "HX-Target": "x"}).get_data(as_text=True)
    assert "<html" not in expanded and sorted(ids(expanded)) == ["txn_0000", "txn_0001"]
    assert "Matches the payout" in expanded


# -- the counts and the chart, kept until the feed is written -----------------------------------
def counts(html):
    return {state: int(n) for state, n in re.findall(r'data-state="(\w+)"[^>]*>[^<]*<strong class="count">(\d+)<', html)}


def aggregates(client, url):
    """The page, and the aggregate queries (counts, chart) it ran."""
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        html = client.get(url).get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return html, [s for s in statements if "GROUP BY" in s]


def test_the_counts_and_the_chart_are_computed_once_until_the_feed_is_written(client, bank_account):
    from sqlalchemy import update

    from light.banking import view_cache
    url = f"/bank-reconciliation/accounts/{bank_account.id}"
    first, ran = aggregates(client, url)
    assert len(ran) == 2 and counts(first)["unmatched"] == 130
    again, ran = aggregates(client, url)
    assert ran == [] and again == first  # kept: the same page without reading the 130 lines again

    # A bulk statement through the session (the engine's compare-and-set, the sync's upsert).
    db.session.execute(update(BankTransaction).where(BankTransaction.stripe_id.in_(["txn_0000", "txn_0001"]))
                       .values(match_state="excluded"))
    db.session.commit()
    html, ran = aggregates(client, url)
    assert len(ran) == 2 and (counts(html)["unmatched"], counts(html)["excluded"]) == (128, 2)

    # An object flushed: a new line moves the chart and the counts.
    db.session.add(BankTransaction(organization_id=bank_account.organization_id, bank_account_id=bank_account.id,
                                   stripe_id="txn_new", amount=90000, fee=0, net=90000, currency="USD", type="charge",
                                   reporting_category="charge", category="charge", status="available",
                                   created=datetime.utcnow() - timedelta(days=2), source_id="ch_new"))
    db.session.commit()
    html, ran = aggregates(client, url)
    assert len(ran) == 2 and counts(html)["unmatched"] == 129 and "txn_new" in html

    # Another process wrote (a worker's sync): its commit replaced the generation in Redis.
    aggregates(client, url)
    client.application.extensions["light_jobs"].queue.connection.set(view_cache.GENERATION_KEY, "elsewhere")
    assert len(aggregates(client, url)[1]) == 2


def test_excluding_a_line_moves_the_counts_at_once(client, bank_account):
    url = f"/bank-reconciliation/accounts/{bank_account.id}"
    assert counts(client.get(url).get_data(as_text=True))["excluded"] == 0
    line = BankTransaction.query.filter_by(stripe_id="txn_0003").one()
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    data = {"csrf_token": token.group(1)} if token else {}
    assert client.post(f"/bank-reconciliation/lines/{line.id}/exclude", data=data).status_code in (200, 302, 303)
    assert counts(client.get(url).get_data(as_text=True))["excluded"] == 1
