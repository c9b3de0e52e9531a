"""An owner names a Stripe Account (a Stripe App's or a restricted key's token can't read the
account's own name, so it is listed by its acct_ id until then)."""
import pytest

from light.banking.models import StripeConnection
from light.extensions import db
from tests.fixtures.owned.banking import seed_connection


def _rename(client, connection_id, name):
    return client.post(f"/bank-reconciliation/connections/{connection_id}/rename", data={"name": name})


def test_an_owner_names_a_stripe_account_and_it_is_shown_by_that_name(client, auth):
    owner = auth.login()
    connection, _ = seed_connection(owner)
    connection.display_name = None
    db.session.commit()
    assert "acct_owned00001</strong>" not in client.get("/bank-reconciliation/").get_data(as_text=True)

    response = _rename(client, connection.id, "  Shop   (EU entity) ")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(StripeConnection, connection.id).display_name == "Shop (EU entity)"
    page = client.get("/bank-reconciliation/").get_data(as_text=True)
    assert "Renamed to Shop (EU entity)." in page and "Shop (EU entity) <small" in page


@pytest.mark.parametrize(("name", "message"), [
    ("", "Enter a name for this Stripe Account."),
    ("   ", "Enter a name for this Stripe Account."),
    ("x" * 201, "Keep the name to 200 characters (it has 201)."),
    ("Shop\x07", "The name can only hold printable characters."),
    ("Shop\u200b", "The name can only hold printable characters."),
])
def test_a_bad_name_is_refused_beside_the_field_and_nothing_is_written(client, auth, name, message):
    owner = auth.login()
    connection, _ = seed_connection(owner)
    before = connection.display_name
    response = _rename(client, connection.id, name)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'<small id="e-name-{connection.id}" class="field-error">{message}</small>' in html
    assert f'id="rename-{connection.id}" open' in html  # the fold stays open on the message
    db.session.expire_all()
    assert db.session.get(StripeConnection, connection.id).display_name == before


def test_members_cannot_rename_and_another_organizations_account_is_404(client, auth):
    owner = auth.login()
    connection, _ = seed_connection(owner)
    member = auth.create_member(owner)
    auth.login(member)
    assert _rename(client, connection.id, "Mine now").status_code == 403
    assert 'id="rename-' not in client.get("/bank-reconciliation/").get_data(as_text=True)

    auth.login(auth.create_owner(organization="Other Ltd"))
    assert _rename(client, connection.id, "Mine now").status_code == 404
    db.session.expire_all()
    assert db.session.get(StripeConnection, connection.id).display_name != "Mine now"
