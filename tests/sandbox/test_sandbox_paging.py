"""Lists page like Stripe's: newest first, nothing missing or repeated, ties broken stably."""
import time

import pytest
import stripe


def ids(stripe_sandbox, key, path="/v1/balance_transactions", **params):
    """Every id of a list, following starting_after."""
    seen, after = [], None
    while True:
        page = stripe_sandbox.api("GET", path, key, limit=params.pop("limit", 100),
                                  starting_after=after, **params).json()
        seen += [o["id"] for o in page["data"]]
        if not page["has_more"]:
            return seen
        after = page["data"][-1]["id"]


@pytest.fixture
def tied(stripe_sandbox, sandbox_key):
    """250 transactions squeezed into 20 seconds: lots of equal `created`."""
    end = int(time.time()) - 10 * 86400
    stripe_sandbox.seed(sandbox_key, balance_transactions=250, start=end - 20, end=end,
                        payout_every_days=30, currencies=["usd", "eur"])
    return [t["id"] for t in reversed(stripe_sandbox.store.accounts[
        stripe_sandbox.store.keys[sandbox_key].account_id]["balance_transactions"].items)]


@pytest.mark.parametrize("limit", [1, 7, 10, 100])
def test_paging_forward_visits_each_transaction_once_newest_first(stripe_sandbox, sandbox_key, tied, limit):
    listed = ids(stripe_sandbox, sandbox_key, limit=limit)
    assert listed == tied
    assert len(set(listed)) == 250


def test_created_is_never_increasing_along_the_list(stripe_sandbox, sandbox_key, tied):
    created = []
    after = None
    while True:
        page = stripe_sandbox.api("GET", "/v1/balance_transactions", sandbox_key, limit=13,
                                  starting_after=after).json()
        created += [o["created"] for o in page["data"]]
        if not page["has_more"]:
            break
        after = page["data"][-1]["id"]
    assert created == sorted(created, reverse=True)
    assert len(created) > len(set(created))  # there really were ties


def test_ending_before_pages_backwards_through_the_same_order(stripe_sandbox, sandbox_key, tied):
    oldest = tied[-1]
    collected, before = [], oldest
    while True:
        page = stripe_sandbox.api("GET", "/v1/balance_transactions", sandbox_key, limit=9,
                                  ending_before=before).json()
        collected = [o["id"] for o in page["data"]] + collected
        if not page["has_more"]:
            break
        before = page["data"][0]["id"]
    assert collected == tied[:-1]


def test_the_sdk_auto_pager_agrees_both_ways(stripe_sandbox, sandbox_key, tied):
    client = stripe.StripeClient(sandbox_key, base_addresses={"api": stripe_sandbox.url})
    forward = [t.id for t in client.v1.balance_transactions.list(params={"limit": 17}).auto_paging_iter()]
    assert forward == tied
    backward = [t.id for t in client.v1.balance_transactions.list(
        params={"limit": 17, "ending_before": tied[-1]}).auto_paging_iter()]
    assert backward == list(reversed(tied[:-1]))


def test_created_bounds_filter_inclusively_and_exclusively(stripe_sandbox, sandbox_key, tied):
    txns = stripe_sandbox.store.accounts[stripe_sandbox.store.keys[sandbox_key].account_id]["balance_transactions"]
    middle = txns.items[125]["created"]
    for op, keep in [("gte", lambda c: c >= middle), ("gt", lambda c: c > middle),
                     ("lte", lambda c: c <= middle), ("lt", lambda c: c < middle)]:
        listed = ids(stripe_sandbox, sandbox_key, **{f"created[{op}]": middle})
        assert listed == [t for t in tied if keep(txns.get(t)["created"])], op
    exact = ids(stripe_sandbox, sandbox_key, created=middle)
    assert exact and all(txns.get(t)["created"] == middle for t in exact)


def test_type_and_currency_filters(stripe_sandbox, sandbox_key, tied):
    listed = ids(stripe_sandbox, sandbox_key, type="charge", currency="eur", limit=5)
    store = stripe_sandbox.store.accounts[stripe_sandbox.store.keys[sandbox_key].account_id]["balance_transactions"]
    assert listed == [t for t in tied if store.get(t)["type"] == "charge" and store.get(t)["currency"] == "eur"]


def test_limit_is_checked_and_defaults_to_ten(stripe_sandbox, sandbox_key, tied):
    assert len(stripe_sandbox.api("GET", "/v1/balance_transactions", sandbox_key).json()["data"]) == 10
    for bad in (0, 101):
        response = stripe_sandbox.api("GET", "/v1/balance_transactions", sandbox_key, limit=bad)
        assert response.status_code == 400 and response.json()["error"]["param"] == "limit"


def test_an_unknown_cursor_is_404(stripe_sandbox, sandbox_key, tied):
    response = stripe_sandbox.api("GET", "/v1/balance_transactions", sandbox_key,
                                  starting_after="txn_nope")
    assert response.status_code == 404


def test_expand_data_source_inlines_the_charge(stripe_sandbox, sandbox_key, tied):
    page = stripe_sandbox.api("GET", "/v1/balance_transactions", sandbox_key, type="charge",
                              limit=3, **{"expand[]": "data.source"}).json()
    for txn in page["data"]:
        assert txn["source"]["object"] == "charge"
        assert txn["source"]["balance_transaction"] == txn["id"]


def test_paging_100k_transactions_reads_one_page_wherever_the_cursor_is(stripe_sandbox, sandbox_key):
    # How fast is bench/bench_sandbox.py's to print; here, the property behind it: a page near the end
    # looks at as many objects as the first one (the cursor is found by bisect, never a scan from the top).
    created = stripe_sandbox.seed(sandbox_key, balance_transactions=100_000, months=12,
                                  currencies=["usd", "eur", "jpy"])["created"]
    assert created["balance_transactions"] == 100_000
    store = stripe_sandbox.store.accounts[stripe_sandbox.store.keys[sandbox_key].account_id]["balance_transactions"]
    near_end = store.items[150]["id"]
    looked_at = {}
    for label, cursor in (("first", None), ("near the end", near_end)):
        seen = []
        found, has_more = store.page(limit=100, starting_after=cursor, match=lambda obj, seen=seen: seen.append(obj) or True)
        assert len(found) == 100 and has_more
        looked_at[label] = len(seen)
    assert looked_at == {"first": 101, "near the end": 101}
    page = stripe_sandbox.api("GET", "/v1/balance_transactions", sandbox_key, limit=100, starting_after=near_end).json()
    assert [t["id"] for t in page["data"]] == [t["id"] for t in reversed(store.items[50:150])]
