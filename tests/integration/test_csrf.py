import pytest

from light.auth.models import User
from light.extensions import db
from tests.fixtures.web import csrf_token_from


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_missing_or_forged_csrf_token_gets_400_and_changes_nothing(client, token):
    client.get("/signup")
    data = {"organization": "Acme", "name": "Ada", "email": "ada@example.com", "password": "a-long-passphrase"}
    if token:
        data["csrf_token"] = token
    response = client.post("/signup", data=data)
    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True)
    assert db.session.query(User).count() == 0


def test_htmx_requests_carry_the_token_in_a_header(client, auth):
    person = auth.create_owner()
    login_page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": person.email, "password": "correct horse battery",
                                "csrf_token": csrf_token_from(login_page)})
    token = csrf_token_from(client.get("/settings/team").get_data(as_text=True))
    without = client.post("/settings/team/invitations", data={"email": "a@example.com"}, headers={"HX-Request": "true"})
    assert without.status_code == 400
    with_header = client.post("/settings/team/invitations", data={"email": "a@example.com"},
                              headers={"HX-Request": "true", "X-CSRFToken": token})
    assert with_header.status_code == 200
