"""State-changing buttons pressed ten times at once, from ten threads with their own database
sessions, the way an impatient owner (or a script) does it."""
import threading

import pytest

from light.extensions import db
from light.integrations.models import Integration
from light.workflows.models import WorkflowVersion
from light.workflows.steps import DEFINITIONS
from tests.fixtures.web import PASSWORD

CLICKS = 10


def click_at_once(app, signed_in, url, data=None, clicks=CLICKS) -> list[int]:
    barrier = threading.Barrier(clicks)
    statuses = []
    cookie = signed_in.get_cookie("session")

    def click():
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        barrier.wait()
        try:
            statuses.append(client.post(url, data=data or {}).status_code)
        except Exception:  # noqa: BLE001 - under TESTING an error escapes the request: count it as the 500
            statuses.append(500)

    threads = [threading.Thread(target=click) for _ in range(clicks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


@pytest.fixture
def owner_with_stripe(auth):
    owner = auth.login()
    db.session.add(Integration(organization_id=owner.organization_id, kind="stripe", status="active",
                               secret_key="sk_test_concurrency000", account_id="acct_c", account_name="C",
                               webhook_mode="manual", webhook_secret="whsec_c"))
    db.session.commit()
    return owner


def editor_form(days_after: int) -> dict:
    form = {"steps_submitted": "1"}
    for definition in DEFINITIONS:
        form[f"{definition.key}-enabled"] = "on"
        for setting in definition.settings:
            form[f"{definition.key}-{setting.name}"] = str(setting.default)
    form["reminders-days_after"] = str(days_after)
    return form


def drafts(organization_id) -> int:
    db.session.expire_all()
    return db.session.query(WorkflowVersion).filter_by(organization_id=organization_id, status="draft").count()


def test_ten_save_draft_clicks_at_once_leave_one_draft(app, client, owner_with_stripe):
    statuses = click_at_once(app, client, "/settings/workflows/invoice-to-cash/draft", editor_form(9))
    assert set(statuses) <= {303, 409} and 303 in statuses
    assert drafts(owner_with_stripe.organization_id) == 1
    assert client.get("/settings/workflows/invoice-to-cash").status_code == 200


def test_ten_publish_clicks_at_once_publish_one_version_and_workflows_keep_working(app, client, owner_with_stripe):
    statuses = click_at_once(app, client, "/settings/workflows/invoice-to-cash/publish", editor_form(9))
    assert 500 not in statuses and 303 in statuses, statuses
    db.session.expire_all()
    published = db.session.query(WorkflowVersion).filter_by(organization_id=owner_with_stripe.organization_id,
                                                            status="published").all()
    assert [v.version for v in published] == [1]
    assert drafts(owner_with_stripe.organization_id) <= 1  # a later click's draft of the same steps
    assert client.get("/settings/workflows/invoice-to-cash").status_code == 200
    assert client.get("/settings/workflows/").status_code == 200


def post_at_once(app, url, forms, environ=None) -> list[int]:
    barrier = threading.Barrier(len(forms))
    statuses = []

    def post(form):
        client = app.test_client()
        barrier.wait()
        try:
            statuses.append(client.post(url, data=form, environ_base=environ or {}).status_code)
        except Exception:  # noqa: BLE001 - under TESTING an error escapes the request: count it as the 500
            statuses.append(500)

    threads = [threading.Thread(target=post, args=(form,)) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def test_thirty_parallel_wrong_passwords_get_exactly_the_five_guesses_allowed(app, auth):
    person = auth.create_owner()
    statuses = post_at_once(app, "/login", [{"email": person.email, "password": "wrong-password-1"}] * 30)
    assert sorted(statuses) == [422] * 5 + [429] * 25


def test_spraying_many_emails_from_one_client_is_slowed_without_locking_the_real_user_out(app, auth):
    person = auth.create_owner()
    limit = app.config["LOGIN_MAX_FAILURES_PER_CLIENT"]
    sprayer = app.test_client()
    answers = [sprayer.post("/login", data={"email": f"user{i}@example.com", "password": "Winter2026!"},
                            environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code for i in range(limit + 5)]
    assert answers == [422] * limit + [429] * 5
    real_user = app.test_client()
    response = real_user.post("/login", data={"email": person.email, "password": PASSWORD},
                              environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 303
