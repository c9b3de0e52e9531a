"""Settings > Workflows > Invoice-to-Cash: drafts, checks, Publish, versions, the Stripe gate,
and who may change them."""
import dataclasses
import html
import re

import pytest
from flask import render_template_string

from light.extensions import db
from light.integrations.models import Integration
from light.workflows import services
from light.workflows.models import WorkflowVersion

EDITOR = "/settings/workflows/invoice-to-cash"
DRAFT = EDITOR + "/draft"
PUBLISH = EDITOR + "/publish"
HTMX = {"HX-Request": "true"}


def editor_form(**overrides):
    form = {"steps_submitted": "1", "send_payment_link-enabled": "on", "reminders-enabled": "on",
            "reminders-days_before": "3", "reminders-days_after": "7", "mark_paid_and_receipt-enabled": "on",
            "notify_on_failure-enabled": "on"}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def connect_stripe(organization_id):
    integration = Integration(organization_id=organization_id, kind="stripe", status="active",
                              secret_key="sk_test_workflowtests00", account_id="acct_wf", account_name="WF",
                              webhook_mode="manual")
    db.session.add(integration)
    db.session.commit()
    return integration


def text_of(response):
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def owner(auth):
    return auth.login(auth.create_owner(name="Olivia Owner"))


def test_the_editor_lists_the_five_steps_each_with_a_switch_and_publish_in_the_top_right(client, owner):
    page = text_of(client.get(EDITOR))
    for key in ("send_payment_link", "reminders", "auto_charge", "mark_paid_and_receipt", "notify_on_failure"):
        assert f'id="step-{key}"' in page and f'name="{key}-enabled"' in page
    assert 'name="reminders-days_before"' in page and 'name="reminders-days_after"' in page
    head = page.split('<div class="page-head">', 1)[1].split("</div>\n  </div>", 1)[0]
    assert "Invoice-to-Cash" in head and "Not published" in head
    assert f'hx-post="{PUBLISH}"' in head and "hx-confirm=" in head and ">Publish</button>" in head


def test_saving_makes_a_draft_that_never_runs(client, owner):
    assert client.post(DRAFT, data=editor_form()).status_code == 303
    draft = services.draft_of(owner.organization_id)
    assert draft.status == "draft" and draft.version is None
    assert services.published_invoice_to_cash(owner.organization_id) is None
    page = text_of(client.get(EDITOR))
    assert "Draft" in page and "Not published" in page


def test_bad_settings_are_refused_beside_the_field_and_nothing_is_written(client, owner):
    response = client.post(DRAFT, data=editor_form(**{"reminders-days_after": "ninety"}))
    assert response.status_code == 422
    assert re.search(r'id="e-reminders-days_after" class="field-error">[^<]*whole number', text_of(response))
    assert 'value="ninety"' in text_of(response)
    assert db.session.query(WorkflowVersion).count() == 0


def test_publishing_a_stripe_step_without_the_stripe_integration_says_so_and_links_to_it(client, owner):
    response = client.post(PUBLISH, data=editor_form())
    assert response.status_code == 422
    page = text_of(response)
    assert "Nothing was published" in page and "needs an active Stripe integration" in page
    assert '<a href="/settings/integrations/">Settings > Integrations</a>' in page
    assert services.published_invoice_to_cash(owner.organization_id) is None
    assert db.session.query(WorkflowVersion).filter_by(status="published").count() == 0


def test_publishing_a_workflow_that_never_collects_is_refused_with_a_link_to_the_step(client, owner):
    connect_stripe(owner.organization_id)
    response = client.post(PUBLISH, data=editor_form(**{"send_payment_link-enabled": None}))
    assert response.status_code == 422
    assert "never collects a payment" in text_of(response)
    assert f'href="{EDITOR}#step-send_payment_link"' in text_of(response)
    assert services.published_invoice_to_cash(owner.organization_id) is None


def test_publish_makes_version_1_and_shows_when_and_by_whom(client, owner):
    connect_stripe(owner.organization_id)
    response = client.post(PUBLISH, data=editor_form(**{"auto_charge-enabled": "on", "reminders-days_before": "5"}))
    assert response.status_code == 303
    published = services.published_invoice_to_cash(owner.organization_id)
    assert published.version == 1 and published.published_by_name == "Olivia Owner"
    assert published.is_on("auto_charge") and published.is_on("send_payment_link")
    assert published.setting("reminders", "days_before") == 5
    assert published.setting("reminders", "days_after") == 7
    assert not published.is_on("no_such_step")
    with pytest.raises(dataclasses.FrozenInstanceError):
        published.version = 2
    assert services.draft_of(owner.organization_id) is None
    page = text_of(client.get(EDITOR))
    assert re.search(r"Version 1, published \d\d \w+ \d{4} \d\d:\d\d UTC by Olivia Owner", page)


def test_only_the_published_version_runs_while_a_newer_draft_waits(client, owner):
    connect_stripe(owner.organization_id)
    client.post(PUBLISH, data=editor_form())
    client.post(DRAFT, data=editor_form(**{"notify_on_failure-enabled": None, "reminders-days_after": "30"}))
    running = services.published_invoice_to_cash(owner.organization_id)
    assert running.version == 1
    assert running.is_on("notify_on_failure") and running.setting("reminders", "days_after") == 7
    assert services.has_unpublished_changes(owner.organization_id)

    assert client.post(PUBLISH).status_code == 303  # publishes the saved draft as it is
    running = services.published_invoice_to_cash(owner.organization_id)
    assert running.version == 2
    assert not running.is_on("notify_on_failure") and running.setting("reminders", "days_after") == 30


def test_earlier_versions_are_kept_and_can_be_viewed_read_only(client, owner):
    connect_stripe(owner.organization_id)
    client.post(PUBLISH, data=editor_form(**{"reminders-days_before": "2"}))
    client.post(PUBLISH, data=editor_form(**{"reminders-days_before": "9"}))
    listing = text_of(client.get(EDITOR + "/versions"))
    assert "Version 2" in listing and "Version 1" in listing and "Olivia Owner" in listing
    first = text_of(client.get(EDITOR + "/versions/1"))
    assert 'name="reminders-days_before" min="0" max="60"\n            value="2" disabled' in first
    main = first.split("<main", 1)[1].split("</main>")[0]
    assert "Replaced by a later version" in first
    assert re.findall(r"<form[^>]*action=\"([^\"]+)\"", main) == [EDITOR + "/versions/1/restore"]  # steps read-only
    assert "Running" in text_of(client.get(EDITOR + "/versions/2"))
    assert client.get(EDITOR + "/versions/3").status_code == 404


def test_each_version_says_what_it_changed_from_the_one_before(client, owner):
    connect_stripe(owner.organization_id)
    client.post(PUBLISH, data=editor_form())
    client.post(PUBLISH, data=editor_form(**{"reminders-days_after": "14", "notify_on_failure-enabled": None}))
    second = text_of(client.get(EDITOR + "/versions/2"))
    assert "What changed from version 1" in second
    assert "<li>Send reminders: days after the due date 7 → 14</li>" in second
    assert "<li>Notify on failure: turned off</li>" in second
    assert "E-mail the payment link: turned" not in second  # unchanged steps aren't listed
    assert "How it started" in text_of(client.get(EDITOR + "/versions/1"))
    listing = text_of(client.get(EDITOR + "/versions"))
    assert "Send reminders: days after the due date 7 → 14; Notify on failure: turned off" in listing
    assert "First version" in listing


def test_restoring_a_version_makes_it_the_draft_and_only_publish_runs_it(client, owner):
    connect_stripe(owner.organization_id)
    client.post(PUBLISH, data=editor_form(**{"reminders-days_after": "7"}))
    client.post(PUBLISH, data=editor_form(**{"reminders-days_after": "30", "notify_on_failure-enabled": None}))
    response = client.post(EDITOR + "/versions/1/restore")
    assert response.status_code == 303 and response.headers["Location"].endswith(EDITOR)
    running = services.published_invoice_to_cash(owner.organization_id)
    assert running.version == 2 and running.setting("reminders", "days_after") == 30  # nothing runs yet
    assert services.editing_steps(owner.organization_id)["reminders"].settings["days_after"] == 7
    assert services.editing_steps(owner.organization_id)["notify_on_failure"].enabled
    assert "Version 1 is now the draft" in text_of(client.get(EDITOR))
    client.post(PUBLISH, data=editor_form(**{"reminders-days_after": "7"}))
    running = services.published_invoice_to_cash(owner.organization_id)
    assert running.version == 3 and running.setting("reminders", "days_after") == 7


def test_restore_is_for_owners_and_only_for_versions_that_exist(client, auth):
    owner = auth.create_owner(name="Olivia Owner")
    member = auth.create_member(owner, email="m@example.test")
    auth.login(owner)
    connect_stripe(owner.organization_id)
    client.post(PUBLISH, data=editor_form())
    assert client.post(EDITOR + "/versions/9/restore").status_code == 404
    auth.login(member)
    assert client.post(EDITOR + "/versions/1/restore").status_code == 403
    assert "Restore this version" not in text_of(client.get(EDITOR + "/versions/1"))
    assert db.session.query(WorkflowVersion).filter_by(status="draft").count() == 0


def test_publishing_without_changes_publishes_nothing(client, owner):
    connect_stripe(owner.organization_id)
    client.post(PUBLISH, data=editor_form())
    response = client.post(PUBLISH, data=editor_form())
    assert response.status_code == 422 and "Nothing to publish: version 1" in text_of(response)
    assert [v.version for v in services.versions(owner.organization_id)] == [1]


def test_publish_through_htmx_redirects_on_success_and_swaps_the_editor_on_failure(client, owner):
    failed = client.post(PUBLISH, data=editor_form(), headers=HTMX)
    assert failed.status_code == 422 and "<html" not in text_of(failed)
    assert '<section id="invoice-to-cash">' in text_of(failed) and "Nothing was published" in text_of(failed)
    connect_stripe(owner.organization_id)
    done = client.post(PUBLISH, data=editor_form(), headers=HTMX)
    assert done.status_code == 204 and done.headers["HX-Redirect"] == EDITOR


def test_discarding_the_draft_goes_back_to_the_published_steps(client, owner):
    connect_stripe(owner.organization_id)
    client.post(PUBLISH, data=editor_form())
    client.post(DRAFT, data=editor_form(**{"auto_charge-enabled": "on"}))
    assert services.editing_steps(owner.organization_id)["auto_charge"].enabled
    assert client.post(EDITOR + "/draft/discard").status_code == 303
    assert services.draft_of(owner.organization_id) is None
    assert not services.editing_steps(owner.organization_id)["auto_charge"].enabled


def test_a_member_sees_the_workflow_but_cannot_change_or_publish_it(client, auth):
    owner = auth.login(auth.create_owner())
    connect_stripe(owner.organization_id)
    client.post(PUBLISH, data=editor_form())
    auth.login(auth.create_member(owner))
    page = text_of(client.get(EDITOR))
    assert "Version 1" in page and ">Publish</button>" not in page and "Save draft" not in page
    assert 'name="send_payment_link-enabled" checked disabled' in page
    assert client.get(EDITOR + "/versions/1").status_code == 200
    for url in (DRAFT, PUBLISH, EDITOR + "/draft/discard"):
        assert client.post(url, data=editor_form(**{"auto_charge-enabled": "on"})).status_code == 403
    assert services.draft_of(owner.organization_id) is None
    assert [v.version for v in services.versions(owner.organization_id)] == [1]


def test_another_organizations_workflow_is_not_affected(client, auth):
    ours = auth.login(auth.create_owner(organization="Ours"))
    connect_stripe(ours.organization_id)
    client.post(PUBLISH, data=editor_form())
    theirs = auth.create_owner(organization="Theirs")
    assert services.published_invoice_to_cash(theirs.organization_id) is None


# -- the gate --------------------------------------------------------------------------------------
@pytest.mark.parametrize("has_stripe, published, message, link, link_text", [
    (False, False, "add the Stripe integration, then publish Invoice-to-Cash.", "/settings/integrations/",
     "Settings > Integrations"),
    (False, True, "the Stripe integration isn't active.", "/settings/integrations/", "Settings > Integrations"),
    (True, False, "Invoice-to-Cash isn't published yet.", EDITOR, "Workflows > Invoice-to-Cash"),
])
def test_the_gate_says_which_step_is_missing_and_links_to_it(app, client, owner, has_stripe, published, message,
                                                               link, link_text):
    if published:
        integration = connect_stripe(owner.organization_id)
        client.post(PUBLISH, data=editor_form())
        integration.status = "removed"  # Stripe removed after publishing
        db.session.commit()
    if has_stripe:
        connect_stripe(owner.organization_id)
    with app.test_request_context():
        gate = services.stripe_gate(owner.organization_id)
        rendered = render_template_string('{% include "workflows/_stripe_gate.html" %}', gate=gate)
    assert gate == services.Gate(ok=False, message=message, link=link, link_text=link_text)
    assert "Stripe isn't available as a payment method yet: " + message in html.unescape(rendered)
    assert f'<a href="{link}">{html.escape(link_text)}</a>' in rendered


def test_the_gate_opens_once_stripe_is_active_and_invoice_to_cash_is_published(app, client, owner):
    connect_stripe(owner.organization_id)
    client.post(PUBLISH, data=editor_form())
    gate = services.stripe_gate(owner.organization_id)  # no request needed
    assert gate.ok and gate.message is None and gate.link is None
    with app.test_request_context():
        assert render_template_string('{% include "workflows/_stripe_gate.html" %}', gate=gate).strip() == ""


def test_the_gate_links_work_outside_a_request(app, owner):
    assert services.stripe_gate(owner.organization_id).link == "/settings/integrations/"
