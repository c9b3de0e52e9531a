"""Bank Reconciliation > Import statement, through the routes: each format imports, a re-import adds
nothing, a bad file answers 4xx beside the field and writes nothing, and a deposit that is a Stripe
payout is matched to it (by itself when certain, as a suggestion to Accept otherwise), and unmatched."""
import io
import threading
from datetime import datetime

import pytest
from sqlalchemy import func

from light.auth.models import User
from light.extensions import db
from light.reconciliation.models import ReconciliationLogEntry
from light.statements.models import (
    DepositSuggestion,
    PayoutDeposit,
    StatementAccount,
    StatementImport,
    StatementLine,
    StatementUpload,
)
from tests.fixtures.owned.statements import statement_account, stripe_payout
from tests.fixtures.statements import camt053, ofx_sgml

IMPORT = "/bank-reconciliation/statements/import"
OFX = ofx_sgml([("20260109", "1500.00", "FIT1", "STRIPE TRANSFER"), ("20260110", "-42.00", "FIT2", "Office rent"),
                ("20260112", "99.00", "FIT3", "ACME LTD")])


def counts() -> dict:
    return {model.__tablename__: db.session.query(func.count()).select_from(model).scalar()
            for model in (StatementAccount, StatementImport, StatementLine, StatementUpload, PayoutDeposit,
                          DepositSuggestion)}


def send(client, data: bytes, file_name="statement.ofx", **form):
    form.setdefault("account_id", "new")
    if form["account_id"] == "new":
        form.setdefault("name", "Business checking")
        form.setdefault("currency", "USD")
    return client.post(IMPORT, data={**form, "statement": (io.BytesIO(data), file_name)}, content_type="multipart/form-data")


@pytest.fixture
def owner(auth):
    return auth.login()


def test_the_bank_reconciliation_index_offers_import_statement(client, owner):
    page = client.get("/bank-reconciliation/").get_data(as_text=True)
    assert 'href="/bank-reconciliation/statements/import"' in page and "Import statement" in page


def test_an_ofx_statement_imports_into_a_new_bank_account_and_a_reimport_adds_nothing(client, owner):
    response = send(client, OFX)
    assert response.status_code == 303
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 lines added, 0 already imported" in result
    account = StatementAccount.query.one()
    assert (account.name, account.currency, account.organization_id) == ("Business checking", "USD",
                                                                         owner.organization_id)
    assert sorted(line.amount for line in StatementLine.query) == [-4200, 9900, 150000]
    again = send(client, OFX, account_id=str(account.id))
    assert "0 lines added, 3 already imported" in client.get(again.headers["Location"]).get_data(as_text=True)
    overlapping = ofx_sgml([("20260112", "99.00", "FIT3", "ACME LTD"), ("20260113", "5.00", "FIT4", "Refund")])
    later = send(client, overlapping, account_id=str(account.id))
    assert "1 line added, 1 already imported" in client.get(later.headers["Location"]).get_data(as_text=True)
    assert StatementLine.query.count() == 4
    page = client.get(f"/bank-reconciliation/statements/accounts/{account.id}").get_data(as_text=True)
    assert "Office rent" in page and "statement.ofx" in page


def test_a_camt053_statement_imports_its_booked_entries(client, owner):
    data = camt053([("2026-01-05", "10.50", "CRDT", "R1", "Client", "BOOK"),
                    ("2026-01-06", "1.00", "DBIT", "R2", "Fee", "PDNG")])
    response = send(client, data, "camt.xml", currency="EUR")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 line added, 0 already imported" in page and "1 pending at" in page
    assert [(line.amount, line.currency) for line in StatementLine.query] == [(1050, "EUR")]


CSV = b"Date;Text;Betrag\n09.01.2026;STRIPE PAYMENTS;1.500,00\n10.01.2026;Miete;-42,00\n"


def csv_form(**changes):
    form = dict(action="import", delimiter=";", encoding="utf-8", date_column="Date", date_format="dmy_dot",
                description_column="Text", amount_column="Betrag", debit_column="", credit_column="",
                decimal="comma", reference_column="", id_column="")
    form.update(changes)
    return form


def test_a_csv_is_previewed_then_imported_through_its_mapping_which_the_account_keeps(client, owner):
    response = send(client, CSV, "bank.csv", currency="EUR")
    assert response.status_code == 303 and "/uploads/" in response.headers["Location"]
    mapping_url = response.headers["Location"]
    assert StatementLine.query.count() == 0
    preview = client.post(mapping_url, data=dict(csv_form(), action="preview"))
    assert preview.status_code == 200 and "STRIPE PAYMENTS" in preview.get_data(as_text=True)
    done = client.post(mapping_url, data=csv_form())
    assert done.status_code == 303
    assert "2 lines added" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert sorted(line.amount for line in StatementLine.query) == [-4200, 150000]
    account = StatementAccount.query.one()
    assert account.csv_mapping["decimal"] == "comma" and StatementUpload.query.count() == 0
    # The next file from the same bank: its mapping is chosen already, and the same lines add nothing.
    again = send(client, CSV, "bank-2.csv", account_id=str(account.id))
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert '<option value="dmy_dot" selected>' in page
    assert client.post(again.headers["Location"], data=csv_form()).status_code == 303
    assert StatementLine.query.count() == 2


def test_a_csv_mapping_that_misreads_the_file_answers_422_beside_the_field_and_writes_nothing(client, owner):
    mapping_url = send(client, CSV, "bank.csv", currency="EUR").headers["Location"]
    before = counts()
    wrong = client.post(mapping_url, data=csv_form(decimal="point"))
    assert wrong.status_code == 422
    assert "Line 2: the amount &#39;1.500,00&#39; is not a number written with a decimal point" in wrong.get_data(
        as_text=True)
    assert counts() == before
    missing = client.post(mapping_url, data=csv_form(amount_column=""))
    assert missing.status_code == 422 and 'id="e-amount_column"' in missing.get_data(as_text=True)
    formula = send(client, b"Date;Text;Betrag\n09.01.2026;=cmd|' /C calc'!A0;1,00\n", "evil.csv",
                   account_id=str(StatementAccount.query.one().id))
    refused = client.post(formula.headers["Location"], data=csv_form())
    assert refused.status_code == 422 and "formula" in refused.get_data(as_text=True)
    assert StatementLine.query.count() == 0


@pytest.mark.parametrize("data, file_name, words", [
    (b"", "empty.ofx", "Choose the statement file"),
    (ofx_sgml([("2026XX09", "1.00", "F1", "x")]), "bad.ofx", "STMTTRN 1 (FITID F1): DTPOSTED"),
    (ofx_sgml([("20260109", "1.00", "F1", "x")], currency="EUR"), "eur.ofx", "the statement is in EUR"),
    (camt053([("2026-01-05", "1", "CRDT", "R", "x", "BOOK")]).replace(
        b"<Document", b'<!DOCTYPE d [<!ENTITY a "a">]><Document', 1), "bomb.xml", "DOCTYPE"),
    (b"<?xml version='1.0'?><nonsense/>", "x.xml", "neither OFX nor CAMT.053"),
])
def test_a_bad_file_answers_422_with_the_message_beside_the_field_and_writes_nothing(client, owner, data, file_name,
                                                                                     words):
    before = counts()
    response = send(client, data, file_name)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:300]
    assert 'id="e-statement"' in page and words.replace("'", "&#39;") in page
    assert counts() == before


def test_a_huge_file_answers_413_beside_the_field_and_writes_nothing(app, client, owner):
    app.config["STATEMENT_MAX_BYTES"] = 2000
    before = counts()
    response = send(client, OFX + b" " * 5000)
    assert response.status_code == 413 and 'id="e-statement"' in response.get_data(as_text=True)
    app.config["STATEMENT_MAX_BYTES"] = 2 * 1024 * 1024  # and beyond what the whole request may carry
    response = send(client, OFX + b" " * (3 * 1024 * 1024))
    assert response.status_code == 413 and "larger than 2 MB" in response.get_data(as_text=True)
    assert counts() == before


def test_a_statement_larger_than_other_forms_may_be_still_imports(client, owner):
    rows = [(f"202601{1 + i % 28:02d}", f"{i}.00", f"BIG{i}", "A fairly long card payment description") for i in
            range(1, 12001)]
    data = ofx_sgml(rows)
    assert len(data) > 1024 * 1024  # MAX_CONTENT_LENGTH, every other form's limit
    response = send(client, data)
    assert response.status_code == 303, response.status_code
    assert StatementLine.query.count() == 12000


def test_a_new_bank_account_needs_a_name_and_a_currency(client, owner):
    response = send(client, OFX, name="", currency="XYZ")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="e-name"' in page and 'id="e-currency"' in page
    assert counts()["statement_accounts"] == 0


def test_another_organizations_bank_account_cannot_be_imported_into(client, auth, owner):
    other = statement_account(auth.create_owner(organization="Other Ltd"))
    response = send(client, OFX, account_id=str(other.id))
    assert response.status_code == 422 and StatementLine.query.count() == 0


def test_someone_elses_csv_upload_answers_404_even_in_the_same_organization(client, auth, owner):
    mapping_url = send(client, CSV, "bank.csv", currency="EUR").headers["Location"]
    auth.login(auth.create_member(owner))
    assert client.get(mapping_url).status_code == 404
    assert client.post(mapping_url, data=csv_form()).status_code == 404


# -- deposits and payouts -------------------------------------------------------------------------
def test_a_deposit_that_is_a_stripe_payout_links_by_itself_and_the_payout_says_it_reached_the_bank(client, owner):
    payout = stripe_payout(owner)
    response = send(client, OFX)
    assert "1 deposit matched to a Stripe payout" in client.get(response.headers["Location"]).get_data(as_text=True)
    link = PayoutDeposit.query.one()
    assert link.payout_id == payout.id and link.linked_by_id is None
    assert db.session.get(StatementLine, link.statement_line_id).description == "STRIPE TRANSFER"
    page = client.get(f"/bank-reconciliation/payouts/{payout.id}").get_data(as_text=True)
    assert "Reached the bank on" in page and "Business checking" in page and "matched by Light" in page


def test_reimporting_a_statement_matches_a_deposit_whose_payout_synced_since(client, owner):
    send(client, OFX)
    assert PayoutDeposit.query.count() == 0
    payout = stripe_payout(owner)
    account = StatementAccount.query.one()
    response = send(client, OFX, account_id=str(account.id))
    assert "0 lines added" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert PayoutDeposit.query.one().payout_id == payout.id


def test_unmatch_keeps_the_pair_as_a_suggestion_that_light_never_relinks_and_accept_links_it_again(client, owner):
    payout = stripe_payout(owner)
    send(client, OFX)
    line = StatementLine.query.filter_by(amount=150000).one()
    assert client.post(f"/bank-reconciliation/statements/lines/{line.id}/unmatch").status_code == 303
    assert PayoutDeposit.query.count() == 0
    account = StatementAccount.query.one()
    client.post(f"/bank-reconciliation/statements/accounts/{account.id}/match")
    assert PayoutDeposit.query.count() == 0, "what a person undid stays undone"
    page = client.get(f"/bank-reconciliation/statements/accounts/{account.id}").get_data(as_text=True)
    assert f"Accept {payout.stripe_id}" in page
    assert "Reached the bank" not in client.get(f"/bank-reconciliation/payouts/{payout.id}").get_data(as_text=True)
    accepted = client.post(f"/bank-reconciliation/statements/lines/{line.id}/accept", data={"payout_id": payout.id},
                           headers={"HX-Request": "true"})
    assert accepted.status_code == 200 and "Matched" in accepted.get_data(as_text=True)
    link = PayoutDeposit.query.one()
    assert link.linked_by_id == owner.id and DepositSuggestion.query.count() == 0


def test_two_fitting_payouts_are_suggested_and_a_person_accepts_one(client, owner):
    first = stripe_payout(owner)
    second = stripe_payout(owner, stripe_id="po_owned_dep2", stripe_user_id="acct_owned_dep2",
                           arrival=datetime(2026, 1, 12, 12))
    send(client, OFX)
    assert PayoutDeposit.query.count() == 0
    assert {s.payout_id for s in DepositSuggestion.query} == {first.id, second.id}
    line = StatementLine.query.filter_by(amount=150000).one()
    response = client.post(f"/bank-reconciliation/statements/lines/{line.id}/accept", data={"payout_id": second.id})
    assert response.status_code == 303
    assert PayoutDeposit.query.one().payout_id == second.id and DepositSuggestion.query.count() == 0
    # A stale page's Accept of the other payout is refused, and nothing changes.
    stale = client.post(f"/bank-reconciliation/statements/lines/{line.id}/accept", data={"payout_id": first.id},
                        headers={"HX-Request": "true"})
    assert stale.status_code == 409 and "no longer open" in stale.get_data(as_text=True)
    assert PayoutDeposit.query.one().payout_id == second.id


def test_a_declined_suggestion_goes_away_and_is_never_suggested_again_for_that_pair(client, owner):
    first = stripe_payout(owner)
    second = stripe_payout(owner, stripe_id="po_owned_dep2", stripe_user_id="acct_owned_dep2",
                           arrival=datetime(2026, 1, 12, 12))
    send(client, OFX)
    line = StatementLine.query.filter_by(amount=150000).one()
    answer = client.post(f"/bank-reconciliation/statements/lines/{line.id}/decline", data={"payout_id": first.id},
                         headers={"HX-Request": "true"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and f"Accept {second.stripe_id}" in page and f"Accept {first.stripe_id}<" not in page
    account = StatementAccount.query.one()
    client.post(f"/bank-reconciliation/statements/accounts/{account.id}/match")
    assert PayoutDeposit.query.count() == 0, "the other payout is no longer contended, yet a person chose"
    page = client.get(f"/bank-reconciliation/statements/accounts/{account.id}").get_data(as_text=True)
    assert f"Accept {first.stripe_id}<" not in page and f"Accept {second.stripe_id}" in page
    # Declining the other one too: nothing is suggested, nothing links, even after another match.
    client.post(f"/bank-reconciliation/statements/lines/{line.id}/decline", data={"payout_id": second.id})
    client.post(f"/bank-reconciliation/statements/accounts/{account.id}/match")
    page = client.get(f"/bank-reconciliation/statements/accounts/{account.id}").get_data(as_text=True)
    assert "Accept po_" not in page and PayoutDeposit.query.count() == 0
    again = client.post(f"/bank-reconciliation/statements/lines/{line.id}/decline", data={"payout_id": second.id},
                        headers={"HX-Request": "true"})
    assert again.status_code == 409 and "no longer open" in again.get_data(as_text=True)
    accept = client.post(f"/bank-reconciliation/statements/lines/{line.id}/accept", data={"payout_id": first.id},
                         headers={"HX-Request": "true"})
    assert accept.status_code == 409 and PayoutDeposit.query.count() == 0


def test_what_light_and_people_do_to_deposits_goes_into_the_reconciliation_log(client, owner):
    payout = stripe_payout(owner)
    other = stripe_payout(owner, stripe_id="po_owned_dep2", stripe_user_id="acct_owned_dep2",
                          arrival=datetime(2026, 1, 12, 12))
    send(client, OFX)  # two payouts fit: both suggested
    line = StatementLine.query.filter_by(amount=150000).one()
    client.post(f"/bank-reconciliation/statements/lines/{line.id}/decline", data={"payout_id": other.id})
    client.post(f"/bank-reconciliation/statements/lines/{line.id}/accept", data={"payout_id": payout.id})
    client.post(f"/bank-reconciliation/statements/lines/{line.id}/unmatch")
    entries = ReconciliationLogEntry.query.order_by(ReconciliationLogEntry.id).all()
    name = db.session.get(User, owner.id).name
    assert [(e.action, e.payout_id, e.who) for e in entries] == [
        ("suggested", payout.id, "Light"), ("suggested", other.id, "Light"), ("declined", other.id, name),
        ("accepted", payout.id, name), ("unmatched", payout.id, name)]
    assert all(e.statement_line_id == line.id and e.bank_transaction_id is None and e.amount == 150000
               for e in entries)
    account = StatementAccount.query.one()
    client.post(f"/bank-reconciliation/statements/accounts/{account.id}/match")  # nothing new: nothing logged
    assert ReconciliationLogEntry.query.count() == 5
    page = client.get(f"/bank-reconciliation/statements/accounts/{account.id}").get_data(as_text=True)
    assert "Reconciliation log" in page and "Declined payout po_owned_dep2" in page and "Unmatched" in page


def test_a_deposit_light_links_is_logged_as_linked_by_light(client, owner):
    payout = stripe_payout(owner)
    send(client, OFX)
    (entry,) = ReconciliationLogEntry.query.all()
    assert (entry.action, entry.payout_id, entry.who, entry.user_id) == ("linked", payout.id, "Light", None)
    assert "Same amount and currency as payout po_owned_dep" in entry.why


def test_accepting_another_organizations_payout_is_refused(client, auth, owner):
    stripe_payout(owner)
    foreign = stripe_payout(auth.create_owner(organization="Other Ltd"), stripe_id="po_foreign",
                            stripe_user_id="acct_foreign")
    send(client, OFX)
    line = StatementLine.query.filter_by(amount=150000).one()
    client.post(f"/bank-reconciliation/statements/lines/{line.id}/unmatch")
    response = client.post(f"/bank-reconciliation/statements/lines/{line.id}/accept", data={"payout_id": foreign.id})
    assert response.status_code == 422 and PayoutDeposit.query.count() == 0


def test_another_organizations_statement_line_answers_404(client, auth, owner):
    stripe_payout(owner)
    send(client, OFX)
    line = StatementLine.query.filter_by(amount=150000).one()
    auth.login(auth.create_owner(organization="Other Ltd"))
    for action in ("unmatch", "accept", "decline"):
        assert client.post(f"/bank-reconciliation/statements/lines/{line.id}/{action}").status_code == 404
    assert PayoutDeposit.query.count() == 1


# -- at once --------------------------------------------------------------------------------------
def at_once(app, signed_in, post, clicks=10) -> list[int]:
    """`post(client)` from `clicks` threads at once, each with its own client and database session."""
    barrier, statuses = threading.Barrier(clicks), []
    cookie = signed_in.get_cookie("session")

    def click():
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        barrier.wait()
        try:
            statuses.append(post(client).status_code)
        except Exception:  # noqa: BLE001 - under TESTING an error escapes the request: count it as the 500
            statuses.append(500)

    threads = [threading.Thread(target=click) for _ in range(clicks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def test_ten_accepts_of_one_suggestion_at_once_leave_one_link(app, client, owner):
    first = stripe_payout(owner)
    stripe_payout(owner, stripe_id="po_owned_dep2", stripe_user_id="acct_owned_dep2", arrival=datetime(2026, 1, 12))
    send(client, OFX)
    line = StatementLine.query.filter_by(amount=150000).one()
    url, payout_id = f"/bank-reconciliation/statements/lines/{line.id}/accept", first.id
    statuses = at_once(app, client, lambda c: c.post(url, data={"payout_id": payout_id}))
    assert all(status < 500 for status in statuses) and statuses.count(303) >= 1, statuses
    db.session.expire_all()
    assert PayoutDeposit.query.count() == 1 and PayoutDeposit.query.one().payout_id == payout_id


def test_the_same_statement_imported_ten_times_at_once_is_stored_once(app, client, owner):
    account_id = str(statement_account(owner).id)
    statuses = at_once(app, client, lambda c: send(c, OFX, account_id=account_id))
    assert all(status in (303, 409) for status in statuses) and 303 in statuses, statuses
    db.session.expire_all()
    assert StatementLine.query.count() == 3
    assert sum(i.added_count for i in StatementImport.query) == 3


def test_ten_runs_of_the_deposit_matching_at_once_link_and_log_once(app, client, owner):
    send(client, OFX)  # before its payout synced: nothing to match yet
    stripe_payout(owner)
    account_id = StatementAccount.query.one().id
    url = f"/bank-reconciliation/statements/accounts/{account_id}/match"
    statuses = at_once(app, client, lambda c: c.post(url))
    assert statuses == [303] * 10, statuses
    db.session.expire_all()
    assert PayoutDeposit.query.count() == 1
    assert [e.action for e in ReconciliationLogEntry.query] == ["linked"]
