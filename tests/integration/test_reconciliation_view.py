"""The reconciliation view: each line's state and its actions (htmx swaps the row), counts and
filters, bulk Accept, Manual match with its refusals beside the field, the invoice's "Paid by",
the CSV export, Re-match, and bad input answering 4xx with nothing written."""
import csv
import io

import pytest

from light.banking.models import BankTransaction
from light.extensions import db
from light.invoices.models import Invoice
from light.reconciliation import matching
from light.reconciliation.models import ReconciliationLink, ReconciliationLogEntry
from tests.fixtures.owned.banking import seed_connection
from tests.fixtures.owned.reconciliation import bank_line, issued_invoice

HX = {"HX-Request": "true"}


@pytest.fixture
def owner(auth):
    return auth.login()


@pytest.fixture
def account(owner):
    return seed_connection(owner, "acct_rec_view01")[1]


@pytest.fixture
def lines(owner, account):
    """A line linked by its invoice number, one suggested (exact amount), one unmatched."""
    named = issued_invoice(owner.organization_id, 12000, number="INV-0042")
    likely = issued_invoice(owner.organization_id, 4321, number="INV-0043")
    linked = bank_line(account, 12000, description="Paid INV-0042")
    suggested = bank_line(account, 4321, description="card")
    unmatched = bank_line(account, 999, description="Mystery money")
    matching.match_new(owner.organization_id, [linked.id, suggested.id, unmatched.id])
    return dict(named=named, likely=likely, linked=linked, suggested=suggested, unmatched=unmatched)


def page(client, account, **query):
    response = client.get(f"/bank-reconciliation/accounts/{account.id}", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def state(line):
    return db.session.get(BankTransaction, line.id, populate_existing=True).match_state


def test_each_line_shows_its_state_with_its_link_reason_and_actions_and_the_counts(client, account, lines):
    html = page(client, account)
    assert f'href="/invoices/{lines["named"].id}">INV-0042</a>' in html
    assert "Suggested" in html and "INV-0043" in html and "Accept" in html and "Decline" in html
    assert "No open invoice in USD fits" in html
    for key, count in (("matched", 1), ("suggested", 1), ("unmatched", 1), ("excluded", 0)):
        assert f'data-state="{key}"' in html
        assert html.split(f'data-state="{key}"')[1].split('class="count">')[1].startswith(f"{count}<")


def test_the_unmatched_and_suggested_filters(client, account, lines):
    only = page(client, account, state="unmatched")
    assert "Mystery money" in only and "Paid INV-0042" not in only
    assert 'data-match-state="suggested"' in page(client, account, state="suggested")
    assert client.get(f"/bank-reconciliation/accounts/{account.id}?state=bogus").status_code == 422


def test_accept_swaps_the_row_and_records_the_payment(client, lines):
    response = client.post(f"/bank-reconciliation/lines/{lines['suggested'].id}/accept", headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'data-match-state="matched"' in html and "Unmatch" in html
    assert db.session.get(Invoice, lines["likely"].id, populate_existing=True).status == "paid"


def test_decline_keeps_the_reason(client, lines):
    html = client.post(f"/bank-reconciliation/lines/{lines['suggested'].id}/decline", headers=HX).get_data(as_text=True)
    assert 'data-match-state="unmatched"' in html and "Declined by Olivia Owner" in html


def test_bulk_accept(client, account, lines):
    response = client.post(f"/bank-reconciliation/accounts/{account.id}/accept",
                           data={"line": [str(lines["suggested"].id), str(lines["unmatched"].id), "x"]})
    assert response.status_code == 303
    assert state(lines["suggested"]) == "matched" and state(lines["unmatched"]) == "unmatched"


def test_manual_match_finds_by_number_customer_or_amount_and_matches(client, owner, account, lines):
    other = issued_invoice(owner.organization_id, 999, number="INV-0999")
    form = client.get(f"/bank-reconciliation/lines/{lines['unmatched'].id}/match", headers=HX).get_data(as_text=True)
    assert "INV-0999" in form and "<html" not in form
    for q in ("INV-0999", "9.99", other.customer.email):
        found = client.get(f"/bank-reconciliation/lines/{lines['unmatched'].id}/match/invoices", query_string={"q": q},
                           headers=HX).get_data(as_text=True)
        assert "INV-0999" in found, q
    response = client.post(f"/bank-reconciliation/lines/{lines['unmatched'].id}/match", headers=HX,
                           data={"invoice": str(other.id), f"amount-{other.id}": "9.99"})
    assert response.status_code == 200 and 'data-match-state="matched"' in response.get_data(as_text=True)
    invoice_page = client.get(f"/invoices/{other.id}").get_data(as_text=True)
    assert "Paid by bank lines" in invoice_page and "Mystery money" in invoice_page


@pytest.mark.parametrize("data, message", [
    ({"invoice": "{other}", "amount-{other}": "10.00"}, "more than the"),
    ({"invoice": "{other}", "amount-{other}": "abc"}, "amount"),
    ({}, "Choose an invoice, or a category."),
    ({"category": "nonsense"}, "Choose a category from the list."),
    ({"invoice": "99999999999999"}, "not one of yours"),
])
def test_overdrawing_or_bad_input_is_refused_beside_the_field_and_writes_nothing(client, owner, lines, data, message):
    other = issued_invoice(owner.organization_id, 500, number="INV-0500")
    data = {k.replace("{other}", str(other.id)): v.replace("{other}", str(other.id)) for k, v in data.items()}
    before = ReconciliationLogEntry.query.count()
    response = client.post(f"/bank-reconciliation/lines/{lines['unmatched'].id}/match", headers=HX, data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert ReconciliationLogEntry.query.count() == before and state(lines["unmatched"]) == "unmatched"


def test_unmatch_and_exclude_and_include(client, lines):
    html = client.post(f"/bank-reconciliation/lines/{lines['linked'].id}/unmatch", headers=HX).get_data(as_text=True)
    assert 'data-match-state="unmatched"' in html
    assert db.session.get(Invoice, lines["named"].id, populate_existing=True).amount_paid == 0
    assert client.post(f"/bank-reconciliation/lines/{lines['linked'].id}/unmatch", headers=HX).status_code == 409
    assert 'data-match-state="excluded"' in client.post(
        f"/bank-reconciliation/lines/{lines['unmatched'].id}/exclude", headers=HX).get_data(as_text=True)
    assert client.post(f"/bank-reconciliation/lines/{lines['unmatched'].id}/include").status_code == 303
    assert state(lines["unmatched"]) == "unmatched"


def test_another_organizations_line_answers_404_and_nothing_changes(client, auth, lines):
    auth.login(auth.create_owner(organization="Other Ltd"))
    for action in ("accept", "decline", "unmatch", "exclude", "include", "match"):
        assert client.post(f"/bank-reconciliation/lines/{lines['suggested'].id}/{action}").status_code == 404
    assert client.get(f"/bank-reconciliation/lines/{lines['suggested'].id}/match/invoices").status_code == 404
    assert state(lines["suggested"]) == "suggested"


def test_the_csv_export_streams_the_reconciled_lines_of_a_period(client, account, lines):
    response = client.get(f"/bank-reconciliation/accounts/{account.id}/export.csv",
                          query_string={"from": "2026-01-01", "to": "2026-01-31"})
    assert response.status_code == 200 and response.is_streamed and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["date", "description", "category", "gross", "fee", "net", "invoice", "payout", "currency"]
    assert rows[1:] == [["2026-01-10", "Paid INV-0042", "Sales", "120.00", "0.00", "120.00", "INV-0042", "", "USD"]]
    assert client.get(f"/bank-reconciliation/accounts/{account.id}/export.csv?from=nope").status_code == 422
    later = client.get(f"/bank-reconciliation/accounts/{account.id}/export.csv?from=2026-02-01").get_data(as_text=True)
    assert later.strip().count("\n") == 0


def test_a_formula_in_a_description_is_not_run_by_the_spreadsheet(client, account, owner):
    line = bank_line(account, -100, category="other", type="adjustment", description="=HYPERLINK(\"x\")")
    client.post(f"/bank-reconciliation/lines/{line.id}/match", data={"category": "other"})
    text = client.get(f"/bank-reconciliation/accounts/{account.id}/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_rematch_runs_as_a_job(client, account, lines, owner, run_jobs):
    issued_invoice(owner.organization_id, 999, number="INV-0999")
    bank_line_id = lines["unmatched"].id
    db.session.get(BankTransaction, bank_line_id).description = "for INV-0999"
    db.session.commit()
    assert client.post(f"/bank-reconciliation/accounts/{account.id}/rematch").status_code == 303
    run_jobs()
    assert state(lines["unmatched"]) == "matched"
    assert ReconciliationLink.query.filter_by(bank_transaction_id=bank_line_id).count() == 1
