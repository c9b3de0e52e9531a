"""Issue 13's day-one defects that are about what the server answers (the ones seen in a browser are
in tests/e2e/test_day_one_browser.py): Overdue at once, the receipt step's name, Create Invoice's
new customer and running total, the team's invitations, the Outbox for members, duplicate
customers and `.test` addresses."""
import re
from datetime import timedelta
from html import unescape

from light.auth.models import Invitation, User
from light.customers.models import Customer
from light.extensions import db
from light.invoices.models import Invoice
from light.plumbing.mail.models import OutboxMessage
from light.team import services as team
from light.utc import utcnow
from tests.fixtures.invoices import create_invoice, invoice_form, issue


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def field_errors(response) -> dict:
    return dict(re.findall(r'<small id="e-([\w-]+)" class="field-error">([^<]*)</small>', text_of(response)))


# -- 6. Overdue at once ---------------------------------------------------------------------------
def test_an_invoice_issued_already_past_its_due_date_is_overdue_at_once(client, auth, run_jobs):
    auth.login()
    today = utcnow().date()
    late = create_invoice(client, method="bank_transfer", issue=str(today - timedelta(days=30)),
                          due=str(today - timedelta(days=1)))
    on_time = create_invoice(client, method="bank_transfer", customer_id=late.customer_id, issue=str(today),
                             due=str(today))
    assert issue(client, run_jobs, late).status == "overdue"  # no clock pass in between
    assert issue(client, run_jobs, on_time).status == "issued"  # due today is not overdue yet
    page = text_of(client.get(f"/invoices/{late.id}"))
    assert re.search(r'id="invoice-status">\s*Overdue', page)
    assert Invoice.query.filter_by(status="overdue").count() == 1


# -- 9. The receipt step is named for what it does ------------------------------------------------
def test_the_receipt_step_is_named_for_what_it_does_and_keeps_its_key(client, auth):
    auth.login()
    page = text_of(client.get("/settings/workflows/invoice-to-cash"))
    assert "E-mail a receipt" in page
    assert "Mark paid and send a receipt" not in page
    assert 'name="mark_paid_and_receipt-enabled"' in page  # the stored key is unchanged


# -- 10. Create Invoice: new customer, running total ------------------------------------------------
def test_an_invalid_new_customer_does_not_also_ask_for_a_currency(client, auth):
    auth.login()
    auth.client.post("/customers/new", data={"name": "Existing Ltd", "email": "existing@example.com",
                                             "currency": "EUR"})
    form = invoice_form(method="bank_transfer", currency="", new_customer_currency="USD", new_customer_email="not-an-address")
    response = client.post("/invoices/new", data=form)
    assert response.status_code == 422
    errors = field_errors(response)
    assert "new_customer_email" in errors
    assert "currency" not in errors, errors
    assert "Choose a currency" not in text_of(response)
    assert Invoice.query.count() == 0 and Customer.query.count() == 1


def test_a_valid_new_customer_with_a_blank_currency_invoices_in_the_new_customers_currency(client, auth):
    auth.login()
    form = invoice_form(method="bank_transfer", currency="", new_customer_currency="EUR")
    response = client.post("/invoices/new", data=form)
    assert response.status_code == 303, field_errors(response)
    assert Invoice.query.one().currency == "EUR"


def test_the_running_total_is_computed_on_the_server_in_minor_units(client, auth):
    auth.login()
    form = invoice_form(method="bank_transfer", lines=(("Consulting", "1.5", "0.10", "20"),
                                                       ("Setup", "3", "33.33", "0"),
                                                       ("Typo", "1", "1,5", "0"),
                                                       ("Not priced yet", "1", "", "")))
    response = client.post("/invoices/totals", data=form, headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = text_of(response)
    # 1.5 × 0.10 = 0.15 (+ 0.03 tax) and 3 × 33.33 = 99.99: exact, no float drift.
    assert re.search(r'id="running-subtotal">\$100\.14<', page), page
    assert re.search(r'id="running-tax">\$0\.03<', page)
    assert re.search(r'id="running-total"><strong>\$100\.17<', page)
    assert "1 line isn't counted yet" in page  # "1,5" is not guessed at
    assert Invoice.query.count() == 0


def test_the_running_total_follows_the_chosen_customers_currency(client, auth):
    auth.login()
    client.post("/customers/new", data={"name": "Tokyo KK", "email": "kk@example.com", "currency": "JPY"})
    customer = Customer.query.one()
    form = invoice_form(method="bank_transfer", customer_id=customer.id, currency="",
                        lines=(("Licence", "2", "1500", "10"),))
    page = text_of(client.post("/invoices/totals", data=form, headers={"HX-Request": "true"}))
    assert re.search(r'id="running-total"><strong>¥3,300<', page), page
    form = invoice_form(method="bank_transfer", customer_id="", currency="")
    assert "Choose a customer or a currency" in text_of(client.post("/invoices/totals", data=form))


def test_the_running_total_shows_on_the_form_re_rendered_after_an_error(client, auth):
    auth.login()
    form = invoice_form(method="bank_transfer", due="", lines=(("Consulting", "2", "150.00", "20"),))
    response = client.post("/invoices/new", data=form)
    assert response.status_code == 422
    assert re.search(r'id="running-total"><strong>\$360\.00<', text_of(response))


# -- 15. Team ---------------------------------------------------------------------------------------
def test_the_same_email_cant_be_invited_twice_while_an_invitation_is_pending(client, auth):
    auth.login()
    assert client.post("/settings/team/invitations", data={"email": "grace@example.com"}).status_code == 200
    response = client.post("/settings/team/invitations", data={"email": "Grace@Example.com"})
    assert response.status_code == 422
    assert "already pending" in field_errors(response)["email"]
    assert Invitation.query.count() == 1
    assert OutboxMessage.query.count() == 1


def test_an_invitation_made_useless_by_joining_elsewhere_no_longer_shows_as_pending(client, auth):
    acme = auth.login(auth.create_owner(organization="Acme Ltd"))
    other = auth.create_owner(organization="Other Ltd")
    assert client.post("/settings/team/invitations", data={"email": "grace@example.com"}).status_code == 200
    elsewhere = team.invite(owner=db.session.get(User, other.id), email="grace@example.com")
    team.accept_invitation(elsewhere, name="Grace Hopper", password="another-long-pass")
    page = text_of(client.get("/settings/team"))
    assert "Pending invitations" not in page and "grace@example.com" not in page
    assert acme.organization_id != other.organization_id


def test_the_empty_invite_message_is_about_the_invitee(client, auth):
    auth.login()
    response = client.post("/settings/team/invitations", data={"email": ""})
    assert response.status_code == 422
    message = field_errors(response)["email"]
    assert "your" not in message.lower()
    assert "person to invite" in message


def test_a_member_opening_the_outbox_is_told_only_owners_can_see_it(client, auth):
    owner = auth.create_owner()
    auth.login(auth.create_member(owner))
    for url in ("/settings/outbox", "/settings/outbox/1"):
        response = client.get(url)
        assert response.status_code == 403
        page = text_of(response)
        assert "Only owners can see the Outbox" in page
        assert "change this" not in page


def test_an_owner_revokes_an_invitation_and_its_link_stops_working(client, auth):
    auth.login()
    client.post("/settings/team/invitations", data={"email": "grace@example.com"})
    invitation = Invitation.query.one()
    token = invitation.token
    page = text_of(client.get("/settings/team"))
    assert re.search(r'hx-confirm="Revoke the invitation to grace@example.com\?', page)
    response = client.post(f"/settings/team/invitations/{invitation.id}/revoke")
    assert response.status_code == 303
    assert Invitation.query.count() == 0
    assert "revoked" in text_of(client.get("/settings/team"))
    client.post("/logout")
    assert client.get(f"/invite/{token}").status_code == 404


def test_an_owner_resends_an_invitation_with_the_same_link_valid_for_another_week(client, auth):
    auth.login()
    client.post("/settings/team/invitations", data={"email": "grace@example.com"})
    invitation = Invitation.query.one()
    invitation.expires_at = utcnow() + timedelta(days=1)
    db.session.commit()
    page = text_of(client.get("/settings/team"))
    assert re.search(r'hx-confirm="E-mail the invitation to grace@example.com again\?', page)
    assert client.post(f"/settings/team/invitations/{invitation.id}/resend").status_code == 303
    db.session.expire_all()
    invitation = Invitation.query.one()
    assert invitation.expires_at > utcnow() + timedelta(days=6)
    sent = OutboxMessage.query.filter_by(to="grace@example.com").all()
    assert len(sent) == 2 and all(invitation.token in message.body for message in sent)


def test_a_used_invitation_can_be_neither_resent_nor_revoked(client, auth):
    owner = auth.login()
    member = auth.create_member(owner, email="grace@example.com")
    invitation = Invitation.query.filter_by(email=member.email).one()
    assert client.post(f"/settings/team/invitations/{invitation.id}/resend").status_code == 303
    assert client.post(f"/settings/team/invitations/{invitation.id}/revoke").status_code == 303
    assert Invitation.query.filter_by(id=invitation.id).count() == 1
    assert OutboxMessage.query.filter_by(to=member.email).count() == 0  # create_member doesn't e-mail


def test_members_cant_revoke_or_resend_and_other_organizations_invitations_are_404(client, auth):
    owner = auth.create_owner()
    auth.login(owner)
    client.post("/settings/team/invitations", data={"email": "grace@example.com"})
    invitation = Invitation.query.one()
    auth.login(auth.create_member(owner))
    assert "Revoke" not in text_of(client.get("/settings/team"))
    for action in ("revoke", "resend"):
        assert client.post(f"/settings/team/invitations/{invitation.id}/{action}").status_code == 403
    auth.login(auth.create_owner(organization="Other Ltd"))
    for action in ("revoke", "resend"):
        assert client.post(f"/settings/team/invitations/{invitation.id}/{action}").status_code == 404
    assert Invitation.query.filter_by(email="grace@example.com").count() == 1


# -- 17. Smaller --------------------------------------------------------------------------------------
def test_adding_a_customer_with_an_email_another_has_warns_but_saves(client, auth):
    auth.login()
    first = {"name": "Ada Ltd", "email": "accounts@example.com", "currency": "USD"}
    response = client.post("/customers/new", data=first, follow_redirects=True)
    assert "already" not in text_of(response)
    response = client.post("/customers/new", data=dict(first, name="Ada Limited", email="Accounts@Example.com"),
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Ada Ltd already has the e-mail accounts@example.com" in text_of(response)
    assert Customer.query.count() == 2


def test_a_new_customer_on_create_invoice_with_a_known_email_warns_too(client, auth):
    auth.login()
    client.post("/customers/new", data={"name": "Ada Ltd", "email": "ada.customer@example.com", "currency": "USD"})
    response = client.post("/invoices/new", data=invoice_form(method="bank_transfer"), follow_redirects=True)
    assert "Ada Ltd already has the e-mail ada.customer@example.com" in text_of(response)
    assert Customer.query.count() == 2 and Invoice.query.count() == 1


def test_sign_up_accepts_a_test_domain_and_still_refuses_other_special_use_names(client):
    form = {"organization": "Acme Ltd", "name": "Ada Lovelace", "password": "a-long-passphrase"}
    response = client.post("/signup", data=dict(form, email="ada@acme.local"))
    assert response.status_code == 422 and "email" in field_errors(response)
    response = client.post("/signup", data=dict(form, email="ada@acme.test"))
    assert response.status_code == 303, field_errors(response)
    assert User.query.one().email == "ada@acme.test"


def test_every_page_links_a_favicon_that_exists(client, auth):
    for url in ("/login", "/signup"):
        page = text_of(client.get(url))
        href = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
        response = client.get(href)
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    auth.login()
    assert '<link rel="icon"' in text_of(client.get("/invoices/"))
