"""Forgot password: a one-time e-mailed link; the form never tells who has an account."""
import re

import pytest
from freezegun import freeze_time

from light.auth.models import LoginFailure, User
from light.extensions import db
from light.plumbing.mail.models import OutboxMessage
from tests.fixtures.web import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def mailbox(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    return smtp_server


def _link_from(messages) -> str:
    body = messages[-1].get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(/login/reset/\S+)", body).group(1)


def test_a_reset_link_is_mailed_works_once_and_logs_in(client, auth, mailbox):
    owner = auth.create_owner()
    response = client.post("/login/forgot", data={"email": owner.email.upper()})
    assert response.status_code == 200 and 'id="reset-sent"' in response.get_data(as_text=True)
    path = _link_from(mailbox.messages)
    kept = db.session.query(OutboxMessage).filter_by(to=owner.email).one()
    assert "/login/reset/" not in kept.body and kept.organization_id is None  # no live key at rest
    assert client.get(path).status_code == 200
    weak = client.post(path, data={"password": "short"})
    assert weak.status_code == 422 and "At least 10" not in weak.get_data(as_text=True).split("field-error")[0]
    assert db.session.get(User, owner.id).check_password(PASSWORD)  # nothing changed
    done = client.post(path, data={"password": NEW_PASSWORD})
    assert done.status_code == 303
    assert client.get("/invoices/").status_code == 200  # logged in
    client.post("/logout")
    assert client.get(path).status_code == 404  # the link worked once
    assert client.post("/login", data={"email": owner.email, "password": NEW_PASSWORD}).status_code == 303


def test_an_unknown_email_gets_the_same_answer_and_no_mail(client, auth, mailbox):
    auth.create_owner()
    response = client.post("/login/forgot", data={"email": "nobody@example.com"})
    assert response.status_code == 200 and 'id="reset-sent"' in response.get_data(as_text=True)
    assert mailbox.messages == []
    assert db.session.query(OutboxMessage).count() == 0


def test_a_bad_email_is_refused_beside_the_field_and_sends_nothing(client, mailbox):
    response = client.post("/login/forgot", data={"email": "not an address"})
    assert response.status_code == 422
    assert 'id="e-email"' in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_requests_are_throttled_per_email_silently(client, auth, mailbox):
    owner = auth.create_owner()
    for _ in range(5):
        assert client.post("/login/forgot", data={"email": owner.email}).status_code == 200
    assert len(mailbox.messages) == 3


def test_a_link_expires_and_an_older_link_dies_when_a_newer_one_is_used(client, auth, mailbox, app):
    owner = auth.create_owner()
    with freeze_time("2026-12-01 10:00:00"):
        client.post("/login/forgot", data={"email": owner.email})
        first = _link_from(mailbox.messages)
    with freeze_time("2026-12-01 11:00:30"):
        assert client.get(first).status_code == 404  # an hour and a bit later
    client.post("/login/forgot", data={"email": owner.email})
    client.post("/login/forgot", data={"email": owner.email})
    older, newer = _link_from(mailbox.messages[:-1]), _link_from(mailbox.messages)
    assert client.post(newer, data={"password": NEW_PASSWORD}).status_code == 303
    client.post("/logout")
    assert client.get(older).status_code == 404


def test_a_tampered_link_answers_404(client, auth, mailbox):
    owner = auth.create_owner()
    client.post("/login/forgot", data={"email": owner.email})
    path = _link_from(mailbox.messages)
    assert client.get(path[:-3] + "abc").status_code == 404
    assert client.get("/login/reset/" + "x" * 5000).status_code == 404


def test_resetting_lifts_a_login_lockout(client, auth, mailbox, app):
    owner = auth.create_owner()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        client.post("/login", data={"email": owner.email, "password": "wrong password!"})
    assert client.post("/login", data={"email": owner.email, "password": PASSWORD}).status_code == 429
    client.post("/login/forgot", data={"email": owner.email})
    client.post(_link_from(mailbox.messages), data={"password": NEW_PASSWORD})
    client.post("/logout")
    assert db.session.query(LoginFailure).filter_by(key=f"email:{owner.email}").count() == 0
    assert client.post("/login", data={"email": owner.email, "password": NEW_PASSWORD}).status_code == 303


def test_the_reset_link_command_prints_a_link_for_a_self_hoster_without_smtp(app, auth):
    owner = auth.create_owner()
    result = app.test_cli_runner().invoke(args=["reset-link", owner.email])
    assert result.exit_code == 0 and "/login/reset/" in result.output
    missing = app.test_cli_runner().invoke(args=["reset-link", "nobody@example.com"])
    assert missing.exit_code != 0 and "No account" in missing.output
