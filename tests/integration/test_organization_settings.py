"""Settings > Organization: who is billing, printed on invoices, pay pages and e-mails; the invoice
number prefix; the date format and time zone Light writes in."""
import io
import re
from datetime import datetime
from html import unescape

import pytest

from light.auth.models import Organization
from light.extensions import db
from light.invoices.models import InvoiceEvent
from light.plumbing.mail.models import OutboxMessage
from tests.fixtures.invoices import create_invoice, issue

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GOOD = {"name": "Acme", "legal_name": "Acme Trading Ltd", "address": "1 High Street\nLondon N1 1AA",
        "tax_id": "GB123456789", "bank_details": "Acme Trading Ltd\nIBAN GB33 BUKB 2020 1555 5555 55",
        "invoice_prefix": "AC/", "time_zone": "Europe/Berlin", "date_format": "iso"}


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _errors(response) -> dict:
    return dict(re.findall(r'<small id="e-([\w-]+)" class="field-error">([^<]*)</small>', _text(response)))


def _org(person) -> Organization:
    db.session.expire_all()
    return db.session.get(Organization, person.organization_id)


def test_an_owner_saves_the_details_and_invoices_use_them(client, auth, run_jobs):
    owner = auth.login()
    response = client.post("/settings/organization", data={**GOOD, "logo": (io.BytesIO(PNG), "logo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    org = _org(owner)
    assert (org.legal_name, org.invoice_prefix, org.time_zone, org.logo_type) == ("Acme Trading Ltd", "AC/",
                                                                                   "Europe/Berlin", "image/png")
    assert client.get("/settings/organization/logo").data == PNG
    invoice = issue(client, run_jobs, create_invoice(client, method="bank_transfer"))
    assert invoice.number == "AC/0001"
    page = _text(client.get(f"/invoices/{invoice.id}"))
    assert "IBAN GB33 BUKB 2020 1555 5555 55" in page
    assert invoice.issue_date.isoformat() in page  # the ISO date format
    pay = _text(client.get(f"/pay/{invoice.pay_token}"))
    assert "Acme Trading Ltd" in pay and "1 High Street" in pay and "GB123456789" in pay
    assert 'id="bank-details"' in pay and "IBAN GB33" in pay
    assert client.get(f"/pay/{invoice.pay_token}/logo").data == PNG
    mail = db.session.query(OutboxMessage).filter_by(kind="invoice").one()
    assert "Pay to:\nAcme Trading Ltd\nIBAN GB33" in mail.body and "AC/0001" in mail.body


@pytest.mark.parametrize(("change", "field"), [
    ({"name": ""}, "name"),
    ({"invoice_prefix": ""}, "invoice_prefix"),
    ({"invoice_prefix": "<script>"}, "invoice_prefix"),
    ({"invoice_prefix": "ABCDEFGHIJK"}, "invoice_prefix"),
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"date_format": "%s%s%s"}, "date_format"),
    ({"legal_name": "Acme\nLtd"}, "legal_name"),
    ({"bank_details": "x" * 501}, "bank_details"),
])
def test_bad_details_are_refused_beside_the_field_and_nothing_is_saved(client, auth, change, field):
    owner = auth.login()
    before = _org(owner).name
    response = client.post("/settings/organization", data={**GOOD, **change})
    assert response.status_code == 422
    assert field in _errors(response)
    org = _org(owner)
    assert (org.name, org.invoice_prefix, org.time_zone) == (before, "INV-", "UTC")


@pytest.mark.parametrize("logo", [b"<svg onload=alert(1)></svg>", b"GIF89a" + b"\x00" * 10,
                                  b"\x89PNG\r\n\x1a\n" + b"\x00" * (200 * 1024)])
def test_a_logo_that_isnt_a_small_png_or_jpeg_is_refused(client, auth, logo):
    owner = auth.login()
    response = client.post("/settings/organization", data={**GOOD, "logo": (io.BytesIO(logo), "logo.svg")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "logo" in _errors(response)
    assert _org(owner).logo_type is None
    assert client.get("/settings/organization/logo").status_code == 404


def test_a_member_sees_the_details_but_cant_change_them(client, auth):
    owner = auth.create_owner()
    member = auth.create_member(owner)
    auth.login(member)
    assert client.get("/settings/organization").status_code == 200
    assert client.post("/settings/organization", data=GOOD).status_code == 403
    assert _org(owner).legal_name == ""


def test_times_are_shown_in_the_organizations_zone_and_named(client, auth, run_jobs):
    auth.login()
    client.post("/settings/organization", data={**GOOD, "date_format": "d_mon_y"})
    invoice = issue(client, run_jobs, create_invoice(client, method="bank_transfer"))
    event = db.session.query(InvoiceEvent).filter_by(invoice_id=invoice.id, kind="issued").one()
    event.created_at = datetime(2026, 7, 1, 12, 0)  # summer: Berlin is UTC+2
    db.session.commit()
    assert "01 Jul 2026 14:00 CEST" in _text(client.get(f"/invoices/{invoice.id}"))


def test_a_new_prefix_numbers_only_new_invoices(client, auth, run_jobs):
    auth.login()
    first = issue(client, run_jobs, create_invoice(client, method="bank_transfer"))
    client.post("/settings/organization", data={**GOOD, "invoice_prefix": "2026-"})
    second = issue(client, run_jobs, create_invoice(client, method="bank_transfer", customer_id=first.customer_id))
    assert (first.number, second.number) == ("INV-0001", "2026-0002")


def test_another_organizations_logo_is_not_reachable(client, auth, app):
    other = auth.login(auth.create_owner(organization="Other"))
    client.post("/settings/organization", data={**GOOD, "logo": (io.BytesIO(PNG), "l.png")},
                content_type="multipart/form-data")
    assert _org(other).logo_type == "image/png"
    auth.login()
    assert client.get("/settings/organization/logo").status_code == 404
