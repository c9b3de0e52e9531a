"""Settings > Team: owners change roles and remove members; the team always keeps an owner."""
import threading

from light.auth.models import User
from light.extensions import db
from light.team import services as team
from tests.fixtures.web import PASSWORD


def _role(user_id):
    db.session.expire_all()
    return db.session.get(User, user_id).role


def test_an_owner_makes_a_member_an_owner_and_back(client, auth):
    owner = auth.create_owner()
    member = auth.create_member(owner)
    auth.login(owner)
    page = client.get("/settings/team").get_data(as_text=True)
    assert f'action="/settings/team/members/{member.id}/role"' in page
    assert client.post(f"/settings/team/members/{member.id}/role", data={"role": "owner"}).status_code == 303
    assert _role(member.id) == "owner"
    client.post(f"/settings/team/members/{member.id}/role", data={"role": "member"})
    assert _role(member.id) == "member"


def test_the_last_owner_cant_be_demoted_or_removed(client, auth):
    owner = auth.login()
    response = client.post(f"/settings/team/members/{owner.id}/role", data={"role": "member"},
                           follow_redirects=True)
    assert "at least one owner" in response.get_data(as_text=True)
    assert _role(owner.id) == "owner"
    client.post(f"/settings/team/members/{owner.id}/remove", follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(User, owner.id).removed_at is None


def test_a_removed_member_is_logged_out_can_no_longer_log_in_and_can_be_invited_back(client, auth, app):
    owner = auth.create_owner()
    member = auth.create_member(owner)
    other = app.test_client()
    assert other.post("/login", data={"email": member.email, "password": PASSWORD}).status_code == 303
    assert other.get("/invoices/").status_code == 200
    auth.login(owner)
    assert client.post(f"/settings/team/members/{member.id}/remove").status_code == 303
    # Their requests in an app context of their own, as another browser's would be (the test's
    # context would hand them the owner's cached user).
    with app.app_context():
        assert other.get("/invoices/").status_code == 302  # their open session ended
        assert other.post("/login", data={"email": member.email, "password": PASSWORD}).status_code == 422
    assert member.email not in client.get("/settings/team").get_data(as_text=True).split("Invite a teammate")[0]
    response = client.post("/settings/team/invitations", data={"email": member.email})
    assert response.status_code == 200
    invitation = team.pending_invitation(owner.organization_id, member.email)
    back = team.accept_invitation(invitation, name="Max Again", password="yet another passphrase")
    assert back.id == member.id and back.removed_at is None and back.name == "Max Again"


def test_a_member_cant_change_roles_or_remove_anyone(client, auth):
    owner = auth.create_owner()
    member = auth.create_member(owner)
    auth.login(member)
    assert client.post(f"/settings/team/members/{owner.id}/role", data={"role": "member"}).status_code == 403
    assert client.post(f"/settings/team/members/{owner.id}/remove").status_code == 403
    assert _role(owner.id) == "owner"


def test_another_organizations_member_answers_404(client, auth):
    stranger = auth.create_owner(organization="Other Ltd")
    auth.login()
    assert client.post(f"/settings/team/members/{stranger.id}/remove").status_code == 404
    assert client.post(f"/settings/team/members/{stranger.id}/role", data={"role": "member"}).status_code == 404


def test_a_bad_role_is_refused_and_changes_nothing(client, auth):
    owner = auth.create_owner()
    member = auth.create_member(owner)
    auth.login(owner)
    response = client.post(f"/settings/team/members/{member.id}/role", data={"role": "admin"}, follow_redirects=True)
    assert "Choose owner or member" in response.get_data(as_text=True)
    assert _role(member.id) == "member"


def test_two_owners_demoting_each_other_at_once_leave_one_owner(app, auth):
    first = auth.create_owner()
    second = auth.create_member(first)
    db.session.get(User, second.id).role = "owner"
    db.session.commit()
    barrier = threading.Barrier(2)

    def demote(actor_id, target_id):
        with app.app_context():
            barrier.wait()
            try:
                team.change_role(owner=db.session.get(User, actor_id), member=db.session.get(User, target_id),
                                 role="member")
            except Exception:
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=demote, args=(first.id, second.id)),
               threading.Thread(target=demote, args=(second.id, first.id))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    db.session.expire_all()
    owners = User.query.filter_by(organization_id=first.organization_id, role="owner").count()
    assert owners >= 1
