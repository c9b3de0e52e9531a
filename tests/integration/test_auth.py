import pytest

from light.auth.models import Invitation, LoginFailure, Organization, User
from light.extensions import db
from light.team import services as team
from tests.fixtures.web import PASSWORD

GOOD = {"organization": "Acme Ltd", "name": "Ada", "email": "ada@example.com", "password": "a-long-passphrase"}


def counts():
    return (db.session.query(User).count(), db.session.query(Organization).count())


def test_sign_up_creates_an_organization_and_its_owner_and_logs_in(client):
    response = client.post("/signup", data=GOOD)
    assert response.status_code == 303
    user = db.session.query(User).filter_by(email="ada@example.com").one()
    assert user.role == "owner" and user.organization.name == "Acme Ltd"
    assert user.password_hash != GOOD["password"]
    assert "Acme Ltd" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("change, field, message", [
    ({"email": "taken@example.com"}, "email", "already exists"),
    ({"password": "short"}, "password", "at least 10 characters"),
    ({"password": "password123"}, "password", "too easy to guess"),
    ({"password": "12345678901234"}, "password", "Mix letters"),
    ({"name": ""}, "name", "Enter your name"),
    ({"organization": "x" * 121}, "organization", "at most 120 characters"),
    ({"email": "not-an-email"}, "email", "valid e-mail"),
    ({"email": ("a" * 250) + "@x.io"}, "email", "at most 254"),
    ({"name": "Ada\nBcc: eve@evil.example"}, "name", "must be on one line"),
    ({"organization": "Acme\r\nLtd"}, "organization", "must be on one line"),
])
def test_bad_sign_up_comes_back_with_the_message_beside_the_field_and_writes_nothing(client, auth, change, field, message):
    auth.create_owner(email="taken@example.com")
    before = counts()
    response = client.post("/signup", data={**GOOD, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="e-{field}"' in html and message in html
    assert 'aria-invalid="true"' in html
    assert counts() == before


def test_failed_login_does_not_reveal_whether_the_email_exists(client, auth):
    person = auth.create_owner()
    wrong_password = client.post("/login", data={"email": person.email, "password": "wrong-password"})
    no_such_user = client.post("/login", data={"email": "nobody@example.com", "password": "wrong-password"})
    assert wrong_password.status_code == no_such_user.status_code == 422
    strip = lambda r: r.get_data(as_text=True).replace(person.email, "").replace("nobody@example.com", "")  # noqa: E731
    assert strip(wrong_password) == strip(no_such_user)


def test_repeated_login_failures_are_slowed_down_even_for_the_right_password(client, auth):
    person = auth.create_owner()
    for _ in range(5):
        assert client.post("/login", data={"email": person.email, "password": "nope-nope-nope"}).status_code == 422
    locked = client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many attempts" in locked.get_data(as_text=True)
    assert db.session.query(LoginFailure).filter_by(key=f"email:{person.email}").one().count == 5


def test_lockout_ends_after_the_wait(client, auth, app):
    from datetime import timedelta

    from freezegun import freeze_time

    person = auth.create_owner()
    with freeze_time("2026-11-25 12:00:00"):
        for _ in range(5):
            client.post("/login", data={"email": person.email, "password": "nope-nope-nope"})
    with freeze_time("2026-11-25 12:00:00") as frozen:
        frozen.tick(timedelta(seconds=app.config["LOGIN_LOCK_SECONDS"] + 1))
        assert client.post("/login", data={"email": person.email, "password": PASSWORD}).status_code == 303


def test_remember_me_sets_a_lasting_cookie(client, auth):
    person = auth.create_owner()
    response = client.post("/login", data={"email": person.email, "password": PASSWORD, "remember": "1"})
    assert response.status_code == 303
    assert any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))


def test_login_only_follows_local_next_urls(client, auth):
    person = auth.create_owner()
    response = client.post("/login?next=https://evil.example/x", data={"email": person.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/contracts/", data={"email": person.email, "password": PASSWORD})
    assert response.headers["Location"] == "/contracts/"


@pytest.mark.parametrize("next_url", ["//evil.example/x", "/\\evil.example/x", "/\t/evil.example/x",
                                      "https:/\\evil.example", "/\\/evil.example"])
def test_login_ignores_next_urls_a_browser_would_read_as_another_site(client, auth, next_url):
    person = auth.create_owner()
    response = client.post("/login", query_string={"next": next_url},
                           data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def _log_in(client, auth):
    client.post("/login", data={"email": auth.create_owner().email, "password": PASSWORD})


def _sign_up(client, auth):
    client.post("/signup", data=GOOD)


def _accept_invitation(client, auth):
    owner = auth.create_owner()
    invitation = team.invite(owner=db.session.get(User, owner.id), email="mia@example.com")
    client.post(f"/invite/{invitation.token}", data={"name": "Mia", "password": "another-long-pass"})


@pytest.mark.parametrize("way_in", [_log_in, _sign_up, _accept_invitation])
def test_every_way_in_starts_a_fresh_session(client, auth, way_in):
    # Nothing planted in the session beforehand (a known CSRF token, say) survives logging in.
    with client.session_transaction() as session:
        session["csrf_token"] = "planted-by-someone-else"
        session["planted"] = True
    way_in(client, auth)
    with client.session_transaction() as session:
        assert session.get("_user_id"), "the person is logged in"
        assert "planted" not in session and session.get("csrf_token") != "planted-by-someone-else"


@pytest.mark.parametrize("method, url, data", [
    ("post", "/login", {"email": "ada\x00@example.com", "password": "whatever-it-is"}),
    ("post", "/signup", {**GOOD, "organization": "Acme\x00"}),
    ("get", "/invite/%00", None),
    ("get", "/login?next=/%00", None),
])
def test_a_nul_byte_anywhere_is_a_bad_request_not_a_crash(client, method, url, data):
    # PostgreSQL refuses NUL in any query; SQLite would let it through, so the 400 is checked on both.
    response = getattr(client, method)(url, data=data)
    assert response.status_code == 400
    assert counts() == (0, 0)


@pytest.mark.parametrize("token", ["x" * 5000, "%E2%9C%93", "..%2F..%2Fetc"])
def test_odd_invitation_links_answer_404(client, token):
    assert client.get(f"/invite/{token}").status_code == 404
    assert client.post(f"/invite/{token}", data={"name": "Eve", "password": "another-long-pass"}).status_code == 404


def test_logout_ends_the_session(client, auth):
    auth.login()
    assert client.get("/invoices/").status_code == 200
    client.post("/logout")
    assert client.get("/invoices/").status_code == 302


def test_owner_invites_a_teammate_who_joins_once(client, auth):
    owner = auth.login()
    response = client.post("/settings/team/invitations", data={"email": "mia@example.com", "role": "member"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "mia@example.com" in html
    invitation = db.session.query(Invitation).one()
    assert f"/invite/{invitation.token}" in html
    from light.plumbing.mail.models import OutboxMessage

    mail = db.session.query(OutboxMessage).filter_by(to="mia@example.com").one()
    assert f"/invite/{invitation.token}" in mail.body
    client.post("/logout")
    joined = client.post(f"/invite/{invitation.token}", data={"name": "Mia", "password": "another-long-pass"})
    assert joined.status_code == 303
    mia = db.session.query(User).filter_by(email="mia@example.com").one()
    assert mia.organization_id == owner.organization_id and mia.role == "member"
    client.post("/logout")
    assert client.get(f"/invite/{invitation.token}").status_code == 404
    again = client.post(f"/invite/{invitation.token}", data={"name": "Eve", "password": "another-long-pass"})
    assert again.status_code == 404
    assert db.session.query(User).filter_by(organization_id=owner.organization_id).count() == 2


def test_an_expired_invitation_cannot_be_used(client, auth):
    from freezegun import freeze_time

    auth.login()
    with freeze_time("2026-01-01"):
        client.post("/settings/team/invitations", data={"email": "late@example.com"})
    token = db.session.query(Invitation).one().token
    with freeze_time("2026-01-09"):
        assert client.get(f"/invite/{token}").status_code == 404


def test_a_member_sees_the_team_but_cannot_invite(client, auth):
    owner = auth.create_owner()
    member = auth.create_member(owner)
    auth.login(member)
    page = client.get("/settings/team")
    assert page.status_code == 200 and "Only owners can invite" in page.get_data(as_text=True)
    assert client.post("/settings/team/invitations", data={"email": "x@example.com"}).status_code == 403
    assert db.session.query(Invitation).filter_by(email="x@example.com").count() == 0


def test_inviting_with_a_bad_email_shows_the_message_and_writes_nothing(client, auth):
    auth.login()
    response = client.post("/settings/team/invitations", data={"email": "nope"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert 'id="e-email"' in response.get_data(as_text=True)
    assert db.session.query(Invitation).count() == 0
