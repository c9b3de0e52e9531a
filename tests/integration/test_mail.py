from light.extensions import db
from light.plumbing import mail
from light.plumbing.mail.models import OutboxMessage


def test_mail_is_delivered_to_a_real_smtp_server(app, smtp_server, auth):
    owner = auth.create_owner()
    app.config["SMTP_URL"] = smtp_server.url
    record = mail.send(organization_id=owner.organization_id, to="c@example.com", subject="Your receipt",
                       text="Thanks for paying INV-0001.")
    assert record.status == "sent"
    [received] = smtp_server.to("c@example.com")
    assert received["Subject"] == "Your receipt"
    assert "INV-0001" in smtp_server.text(received)


def test_without_smtp_messages_are_kept_in_the_outbox_and_shown(client, auth):
    owner = auth.login()
    mail.send(organization_id=owner.organization_id, to="c@example.com", subject="Kept for you", text="Body")
    assert db.session.query(OutboxMessage).one().status == "kept"
    page = client.get("/settings/outbox").get_data(as_text=True)
    assert "Kept for you" in page and "No mail server is configured" in page


def test_an_unreachable_smtp_server_marks_the_message_failed_without_raising(app, auth):
    owner = auth.create_owner()
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1?timeout=2"
    record = mail.send(organization_id=owner.organization_id, to="c@example.com", subject="S", text="B")
    assert record.status == "failed" and record.error


def test_invitations_reach_a_real_smtp_server(app, client, auth, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    auth.login()
    client.post("/settings/team/invitations", data={"email": "new@example.com"})
    [received] = smtp_server.to("new@example.com")
    assert "/invite/" in smtp_server.text(received)


def test_a_line_break_in_a_subject_cannot_add_a_header(app, smtp_server, auth):
    owner = auth.create_owner()
    app.config["SMTP_URL"] = smtp_server.url
    record = mail.send(organization_id=owner.organization_id, to="c@example.com",
                       subject="Invoice for Acme\r\nBcc: eve@evil.example", text="Body")
    assert record.status == "sent" and record.subject == "Invoice for Acme Bcc: eve@evil.example"
    [received] = smtp_server.to("c@example.com")
    assert received["Bcc"] is None and received["Subject"] == "Invoice for Acme Bcc: eve@evil.example"
    assert not smtp_server.to("eve@evil.example")


def test_a_member_cannot_read_the_outbox_where_invitation_links_are_kept(client, auth):
    owner = auth.login()
    client.post("/settings/team/invitations", data={"email": "new-owner@example.com", "role": "owner"})
    message = db.session.query(OutboxMessage).filter_by(to="new-owner@example.com").one()
    assert "/invite/" in message.body
    auth.login(auth.create_member(owner))
    assert client.get("/settings/outbox").status_code == 403
    assert client.get(f"/settings/outbox/{message.id}").status_code == 403
    assert "Outbox" not in client.get("/settings/team").get_data(as_text=True)
