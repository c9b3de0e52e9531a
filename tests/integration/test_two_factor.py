"""Optional two-factor log-in: set up only with a correct code, asked after the password (the
session isn't logged in until then), codes single-use and throttled, recovery codes shown once
and kept hashed, the secret encrypted, off only with the password, and no way around it through
Forgot password."""
import re
from datetime import datetime, timedelta

import pyotp
import pytest
from freezegun import freeze_time
from sqlalchemy import text

from light.auth.models import LoginFailure, RecoveryCode, User
from light.extensions import db
from tests.fixtures.web import PASSWORD

START = datetime(2030, 1, 7, 12, 0, 0)  # on a 30-second boundary


@pytest.fixture
def clock():
    with freeze_time(START) as frozen:
        yield frozen


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def user(person) -> User:
    db.session.expire_all()
    return db.session.get(User, person.id)


def enable(client, person, clock) -> tuple[str, list[str]]:
    """Turn two-factor log-in on through the pages, as a person would: the secret and the codes."""
    assert client.post("/settings/two-factor/setup").status_code == 303
    secret = user(person).totp_secret
    page = client.get("/settings/two-factor").get_data(as_text=True)
    assert secret in page and "otpauth://totp/Light:" in page and 'src="data:image/svg+xml' in page
    response = client.post("/settings/two-factor/confirm", data={"code": code_at(secret, clock())})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    clock.tick(timedelta(seconds=30))  # the code just used can't log in again
    return secret, codes


def password_step(client, person, **extra):
    client.post("/logout")
    response = client.post("/login?next=/invoices/", data={"email": person.email, "password": PASSWORD, **extra})
    assert response.status_code == 303 and response.headers["Location"].endswith("/login/code")
    return response


def is_logged_in(client) -> bool:
    return client.get("/invoices/").status_code == 200


def test_setting_up_asks_for_a_correct_code_first_and_changes_nothing_until_then(client, auth, clock):
    person = auth.login(auth.create_owner())
    client.post("/settings/two-factor/setup")
    secret = user(person).totp_secret
    wrong = client.post("/settings/two-factor/confirm", data={"code": "000000"})
    assert wrong.status_code == 422 and "right. Enter the 6 digits" in wrong.get_data(as_text=True)
    stale = client.post("/settings/two-factor/confirm", data={"code": code_at(secret, clock() - timedelta(minutes=5))})
    assert stale.status_code == 422
    assert not user(person).has_two_factor and RecoveryCode.query.count() == 0
    client.post("/logout")
    assert client.post("/login", data={"email": person.email, "password": PASSWORD}).headers["Location"] == "/"


def test_the_secret_is_encrypted_at_rest_and_the_codes_kept_only_as_hashes(client, auth, clock):
    person = auth.login(auth.create_owner())
    secret, codes = enable(client, person, clock)
    stored = db.session.execute(text("SELECT totp_secret FROM users WHERE id = :id"), {"id": person.id}).scalar()
    assert stored and secret not in stored
    hashes = [c.code_hash for c in RecoveryCode.query.filter_by(user_id=person.id)]
    assert len(hashes) == 10 and not any(code in h or code.replace("-", "") in h for code in codes for h in hashes)
    page = client.get("/settings/two-factor").get_data(as_text=True)
    assert secret not in page and not any(code in page for code in codes)  # shown once, never again
    assert "10 of 10 recovery codes left" in page


def test_log_in_asks_for_the_code_after_the_password_and_is_not_logged_in_until_then(client, auth, clock):
    person = auth.login(auth.create_owner())
    secret, _ = enable(client, person, clock)
    password_step(client, person)
    assert not is_logged_in(client)
    wrong = client.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 422 and not is_logged_in(client)
    right = client.post("/login/code", data={"code": code_at(secret, clock())})
    assert right.status_code == 303 and right.headers["Location"] == "/invoices/"
    assert is_logged_in(client)


def test_a_code_works_within_its_step_and_the_next_but_never_twice_nor_a_minute_and_a_half_late(client, auth, clock):
    person = auth.login(auth.create_owner())
    secret, _ = enable(client, person, clock)
    seen = code_at(secret, clock())
    password_step(client, person)
    clock.tick(timedelta(seconds=30))  # a slow typist: the previous step's code still counts
    assert client.post("/login/code", data={"code": seen}).status_code == 303

    password_step(client, person)
    assert client.post("/login/code", data={"code": seen}).status_code == 422  # replayed
    late = code_at(secret, clock())
    clock.tick(timedelta(seconds=90))
    assert client.post("/login/code", data={"code": late}).status_code == 422
    assert client.post("/login/code", data={"code": code_at(secret, clock())}).status_code == 303


def test_a_recovery_code_logs_in_once(client, auth, clock):
    person = auth.login(auth.create_owner())
    _, codes = enable(client, person, clock)
    password_step(client, person)
    used = client.post("/login/code", data={"code": codes[3].upper().replace("-", " ")}, follow_redirects=True)
    assert used.status_code == 200 and "9 left" in used.get_data(as_text=True)
    password_step(client, person)
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 422
    assert not is_logged_in(client)


def test_guessing_codes_is_throttled_even_with_the_right_password(client, auth, app, clock):
    person = auth.login(auth.create_owner())
    secret, _ = enable(client, person, clock)
    password_step(client, person)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/login/code", data={"code": "999999"}).status_code == 422
    password_step(client, person)  # a right password again doesn't give more guesses
    locked = client.post("/login/code", data={"code": code_at(secret, clock())})
    assert locked.status_code == 429 and "Too many attempts" in locked.get_data(as_text=True)
    assert not is_logged_in(client)
    clock.tick(timedelta(seconds=app.config["LOGIN_LOCK_SECONDS"] + 1))
    password_step(client, person)
    assert client.post("/login/code", data={"code": code_at(secret, clock())}).status_code == 303
    assert LoginFailure.query.filter_by(key=f"code:{person.id}").count() == 0


def test_waiting_too_long_between_password_and_code_starts_again(client, auth, clock):
    person = auth.login(auth.create_owner())
    secret, _ = enable(client, person, clock)
    password_step(client, person)
    clock.tick(timedelta(minutes=6))
    response = client.post("/login/code", data={"code": code_at(secret, clock())})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert not is_logged_in(client)
    assert client.get("/login/code").headers["Location"] == "/login"  # nobody pending


def test_turning_it_off_needs_the_password(client, auth, clock):
    person = auth.login(auth.create_owner())
    enable(client, person, clock)
    refused = client.post("/settings/two-factor/disable", data={"password": "not my password"})
    assert refused.status_code == 422 and user(person).has_two_factor
    assert client.post("/settings/two-factor/disable", data={"password": PASSWORD}).status_code == 303
    off = user(person)
    assert not off.has_two_factor and off.totp_secret is None and RecoveryCode.query.count() == 0
    client.post("/logout")
    assert client.post("/login", data={"email": person.email, "password": PASSWORD}).headers["Location"] == "/"


def test_new_recovery_codes_need_the_password_and_replace_the_old(client, auth, clock):
    person = auth.login(auth.create_owner())
    _, old = enable(client, person, clock)
    assert client.post("/settings/two-factor/recovery-codes", data={"renew_password": "wrong"}).status_code == 422
    response = client.post("/settings/two-factor/recovery-codes", data={"renew_password": PASSWORD})
    new = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    password_step(client, person)
    assert client.post("/login/code", data={"code": old[0]}).status_code == 422
    assert client.post("/login/code", data={"code": new[0]}).status_code == 303


def test_setting_up_again_while_it_is_on_is_refused(client, auth, clock):
    person = auth.login(auth.create_owner())
    secret, _ = enable(client, person, clock)
    client.post("/settings/two-factor/setup", follow_redirects=True)
    assert user(person).totp_secret == secret
    assert client.post("/settings/two-factor/confirm", data={"code": code_at(secret, clock())}).status_code == 303


def test_forgot_password_changes_the_password_but_still_asks_for_the_code(client, auth, app, smtp_server, clock):
    app.config["SMTP_URL"] = smtp_server.url
    person = auth.login(auth.create_owner())
    secret, _ = enable(client, person, clock)
    client.post("/logout")
    client.post("/login/forgot", data={"email": person.email})
    body = smtp_server.text(smtp_server.messages[-1])
    path = re.search(r"https?://[^/\s]+(/login/reset/\S+)", body).group(1)
    response = client.post(path, data={"password": "a brand new passphrase"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/login/code")
    assert not is_logged_in(client)
    assert client.post("/login/code", data={"code": code_at(secret, clock())}).status_code == 303
    assert is_logged_in(client)


def test_someone_invited_back_after_removal_still_enters_their_code(client, auth, clock):
    from light.team import services as team

    owner = auth.create_owner()
    member = auth.login(auth.create_member(owner))
    secret, _ = enable(client, member, clock)
    client.post("/logout")
    boss = db.session.get(User, owner.id)
    team.remove(owner=boss, member=user(member))
    invitation = team.invite(owner=boss, email=member.email)
    response = client.post(f"/invite/{invitation.token}", data={"name": "Max Again", "password": "a brand new passphrase"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/login/code")
    assert not is_logged_in(client)
    assert client.post("/login/code", data={"code": code_at(secret, clock())}).status_code == 303
    assert is_logged_in(client)
