"""Issue 13 item 14: a contract shows what later periods will cost, reads right after Cancel, and can
be edited, paused and resumed, or cancelled at the end of the period under way."""
import re
from datetime import date
from html import unescape

from freezegun import freeze_time

from light.contracts import jobs
from light.contracts.models import Contract
from light.extensions import db
from light.invoices.models import Invoice
from tests.fixtures.invoices import invoice_form


def contract_form(**kwargs):
    form = invoice_form(method="bank_transfer", lines=kwargs.pop("lines", (("Plan", "1", "49.00", "0"),)))
    for key in ("issue_date", "due_date"):
        form.pop(key)
    form.update(frequency="monthly", start_date="2026-01-10", end_date="", days_until_due="0")
    form.update(kwargs)
    return form


def _create(client, **kwargs) -> Contract:
    assert client.post("/contracts/new", data=contract_form(**kwargs)).status_code == 303
    return Contract.query.order_by(Contract.id.desc()).first()


def _billed(contract_id):
    return [i.period_start for i in Invoice.query.filter_by(contract_id=contract_id).order_by(Invoice.period_start)]


def _page(client, contract) -> str:
    return unescape(client.get(f"/contracts/{contract.id}").get_data(as_text=True))


def _reload(contract) -> Contract:
    db.session.expire_all()
    return db.session.get(Contract, contract.id)


def test_upcoming_periods_show_their_amount(client, auth):
    auth.login()
    with freeze_time("2026-01-15"):
        contract = _create(client, start_date="2026-02-10")
        page = _page(client, contract)
    upcoming = re.findall(r'<tr class="muted">.*?</tr>', page, re.S)
    assert upcoming and all("$49.00" in row for row in upcoming)


def test_cancel_now_says_so_in_the_term_and_bills_nothing_more(client, auth):
    auth.login()
    with freeze_time("2026-01-15") as frozen:
        contract = _create(client)
        jobs.bill_contract(contract.id, date(2026, 1, 15))
        client.post(f"/contracts/{contract.id}/cancel", data={"when": "now"})
        term = re.search(r'id="contract-term">(.*?)</dd>', _page(client, contract), re.S).group(1)
        assert "cancelled on 15 Jan 2026" in term and "until cancelled" not in term
        frozen.move_to("2026-03-15")
        jobs.bill_due_contracts()
    assert _billed(contract.id) == [date(2026, 1, 10)]


def test_cancel_at_period_end_bills_the_period_under_way_and_nothing_after(client, auth):
    auth.login()
    with freeze_time("2026-01-15") as frozen:
        contract = _create(client)
        jobs.bill_contract(contract.id, date(2026, 1, 15))
        assert client.post(f"/contracts/{contract.id}/cancel", data={"when": "period_end"}).status_code == 303
        contract = _reload(contract)
        assert (contract.status, contract.end_date, contract.cancelled_on) == ("active", date(2026, 2, 9),
                                                                               date(2026, 1, 15))
        assert "to 09 Feb 2026 (cancelled on 15 Jan 2026, at the end of the period)" in _page(client, contract)
        frozen.move_to("2026-04-01")
        jobs.bill_due_contracts()
    assert _billed(contract.id) == [date(2026, 1, 10)]
    assert _reload(contract).status == "ended"


def test_a_paused_contract_bills_nothing_and_skips_the_paused_periods_after_resuming(client, auth):
    auth.login()
    with freeze_time("2026-01-15") as frozen:
        contract = _create(client)
        jobs.bill_contract(contract.id, date(2026, 1, 15))
        client.post(f"/contracts/{contract.id}/pause")
        assert _reload(contract).status == "paused"
        frozen.move_to("2026-03-20")
        jobs.bill_due_contracts()
        assert _billed(contract.id) == [date(2026, 1, 10)]
        assert "Not invoiced: the contract was paused" in _page(client, contract)
        client.post(f"/contracts/{contract.id}/resume")
        jobs.bill_due_contracts()
        assert _billed(contract.id) == [date(2026, 1, 10)]  # Feb 10 and Mar 10 fell in the pause
        frozen.move_to("2026-04-10 09:00")
        jobs.bill_due_contracts()
    assert _billed(contract.id) == [date(2026, 1, 10), date(2026, 4, 10)]


def test_editing_changes_later_periods_and_keeps_issued_invoices(client, auth):
    auth.login()
    with freeze_time("2026-01-15") as frozen:
        contract = _create(client)
        jobs.bill_contract(contract.id, date(2026, 1, 15))
        assert client.get(f"/contracts/{contract.id}/edit").status_code == 200
        form = contract_form(lines=(("Plan plus", "2", "30.00", "0"),), days_until_due="7")
        assert client.post(f"/contracts/{contract.id}/edit", data=form).status_code == 303
        contract = _reload(contract)
        assert (contract.total, contract.days_until_due, contract.lines[0].description) == (6000, 7, "Plan plus")
        frozen.move_to("2026-02-10 09:00")
        jobs.bill_due_contracts()
    totals = [i.total for i in Invoice.query.filter_by(contract_id=contract.id).order_by(Invoice.period_start)]
    assert totals == [4900, 6000]


def test_a_bad_edit_is_refused_beside_the_field_and_changes_nothing(client, auth):
    auth.login()
    with freeze_time("2026-03-15"):
        contract = _create(client)
        jobs.bill_contract(contract.id, date(2026, 3, 15))
        response = client.post(f"/contracts/{contract.id}/edit", data=contract_form(end_date="2026-02-01"))
        assert response.status_code == 422 and 'id="e-end_date"' in response.get_data(as_text=True)
        bad_line = client.post(f"/contracts/{contract.id}/edit", data=contract_form(lines=(("Plan", "1", "abc", "0"),)))
        assert bad_line.status_code == 422
    contract = _reload(contract)
    assert (contract.end_date, contract.total, len(contract.lines)) == (None, 4900, 1)


def test_another_organizations_contract_answers_404(client, auth):
    auth.login(auth.create_owner(organization="Other"))
    with freeze_time("2026-01-15"):
        contract = _create(client)
    auth.login()
    for action in ("edit", "pause", "resume", "cancel"):
        assert client.post(f"/contracts/{contract.id}/{action}", data=contract_form()).status_code == 404
    assert _reload(contract).status == "active"


def test_pausing_twice_or_resuming_an_active_contract_is_refused(client, auth):
    auth.login()
    with freeze_time("2026-01-15"):
        contract = _create(client)
        page = unescape(client.post(f"/contracts/{contract.id}/resume", follow_redirects=True).get_data(as_text=True))
        assert "isn't paused" in page
        client.post(f"/contracts/{contract.id}/pause")
        again = client.post(f"/contracts/{contract.id}/pause", follow_redirects=True).get_data(as_text=True)
        assert "Only an active contract can be paused" in again
