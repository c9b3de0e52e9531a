"""Use cases for Settings > Workflows > Invoice-to-Cash, and what other areas ask of it.

Editing writes a draft; Publish checks the draft and turns it into the next version. Everything that
acts on invoices reads `published_invoice_to_cash`, which never sees a draft."""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context, url_for
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from light.errors import InvalidInput, Refused
from light.extensions import db
from light.ids import is_id
from light.integrations.services import active_stripe_integration
from light.utc import utcnow
from light.workflows import steps as rules
from light.workflows.models import INVOICE_TO_CASH, WorkflowVersion
from light.workflows.steps import (  # noqa: F401
    AUTO_CHARGE,
    MARK_PAID_AND_RECEIPT,
    NOTIFY_ON_FAILURE,
    REMINDERS,
    SEND_PAYMENT_LINK,
    STEP_KEYS,
    Problem,
    Step,
)


@dataclass(frozen=True)
class PublishedWorkflow:
    version: int
    published_at: datetime
    published_by_name: str | None
    steps: dict[str, Step]

    def is_on(self, step_key: str) -> bool:
        step = self.steps.get(step_key)
        return bool(step and step.enabled)

    def setting(self, step_key: str, name: str) -> int:
        """The step's setting as published, or the step's own default where it was never set."""
        step = self.steps.get(step_key)
        value = step.settings.get(name) if step else None
        return int(rules.default_setting(step_key, name) if value in (None, "") else value)


@dataclass(frozen=True)
class Gate:
    ok: bool
    message: str | None = None
    link: str | None = None
    link_text: str | None = None


class PublishBlocked(Refused):
    """The draft failed a check; nothing was published. `problems` say what to fix and where."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


# -- what other areas ask ------------------------------------------------------------------------
def published_invoice_to_cash(organization_id: int) -> PublishedWorkflow | None:
    latest = _published(organization_id).order_by(WorkflowVersion.version.desc()).first()
    return _as_published(latest) if latest else None


def stripe_gate(organization_id: int) -> Gate:
    """Stripe is a Payment method only once the integration is active and Invoice-to-Cash is
    published; otherwise say which step is missing and link to it."""
    has_stripe = active_stripe_integration(organization_id) is not None
    published = published_invoice_to_cash(organization_id) is not None
    if has_stripe and published:
        return Gate(ok=True)
    if not has_stripe and not published:
        return Gate(False, "add the Stripe integration, then publish Invoice-to-Cash.",
                    _url("integrations.index"), "Settings > Integrations")
    if not has_stripe:
        return Gate(False, "the Stripe integration isn't active.", _url("integrations.index"),
                    "Settings > Integrations")
    return Gate(False, "Invoice-to-Cash isn't published yet.", _url("workflows.invoice_to_cash"),
                "Workflows > Invoice-to-Cash")


# -- the editor ------------------------------------------------------------------------------------
def draft_of(organization_id: int) -> WorkflowVersion | None:
    # populate_existing: another request may have just published the draft this session loaded.
    return (db.session.query(WorkflowVersion).execution_options(populate_existing=True)
            .filter_by(organization_id=organization_id, workflow=INVOICE_TO_CASH, status="draft").one_or_none())


def latest_published(organization_id: int) -> WorkflowVersion | None:
    return _published(organization_id).order_by(WorkflowVersion.version.desc()).first()


def versions(organization_id: int) -> list[WorkflowVersion]:
    return _published(organization_id).order_by(WorkflowVersion.version.desc()).all()


def version(organization_id: int, number: int) -> WorkflowVersion | None:
    if not is_id(number):
        return None
    return _published(organization_id).filter(WorkflowVersion.version == number).one_or_none()


def editing_steps(organization_id: int) -> dict[str, Step]:
    """What the editor shows: the draft, else the published version, else the defaults."""
    record = draft_of(organization_id) or latest_published(organization_id)
    return rules.from_json(record.steps) if record else rules.default_steps()


def steps_of(record: WorkflowVersion) -> dict[str, Step]:
    return rules.from_json(record.steps)


def has_unpublished_changes(organization_id: int) -> bool:
    draft = draft_of(organization_id)
    if draft is None:
        return False
    latest = latest_published(organization_id)
    return latest is None or not rules.same_steps(steps_of(draft), steps_of(latest))


def save_draft(*, organization_id: int, user_id: int | None, form) -> WorkflowVersion:
    """Raises InvalidInput (nothing written) with {field: message}."""
    steps, errors = rules.from_form(form)
    if errors:
        raise InvalidInput(errors)
    for _ in range(2):
        draft = draft_of(organization_id)
        if draft is None:
            draft = WorkflowVersion(organization_id=organization_id, workflow=INVOICE_TO_CASH, status="draft",
                                    created_by_id=user_id)
            db.session.add(draft)
        draft.steps = rules.to_json(steps)
        draft.updated_at = utcnow()
        try:
            db.session.commit()
            return draft
        except IntegrityError:  # another save made the draft just now: change that one instead
            db.session.rollback()
    raise Refused("Someone else is saving this workflow at the same moment. Reload and try again.")


def restore(*, organization_id: int, user_id: int | None, number: int) -> WorkflowVersion:
    """Copy an earlier version's steps into the draft. It runs only once it is published, so a
    restore passes the same checks as any other change (the Stripe integration may be gone)."""
    record = version(organization_id, number)
    if record is None:
        raise Refused("That version doesn't exist.")
    form = {}
    for key, step in steps_of(record).items():
        if step.enabled:
            form[f"{key}-enabled"] = "on"
        form.update({f"{key}-{name}": str(value) for name, value in step.settings.items()})
    return save_draft(organization_id=organization_id, user_id=user_id, form=form)


def changes_in(organization_id: int, record: WorkflowVersion) -> list[str]:
    """What this version changed from the one published before it."""
    earlier = (_published(organization_id).filter(WorkflowVersion.version < record.version)
               .order_by(WorkflowVersion.version.desc()).first())
    return rules.differences(steps_of(earlier) if earlier else None, steps_of(record))


def discard_draft(*, organization_id: int) -> None:
    draft = draft_of(organization_id)
    if draft is not None:
        db.session.delete(draft)
        db.session.commit()


def publish(*, organization_id: int, user_id: int | None) -> WorkflowVersion:
    """Check the draft (or, with none, what the editor shows) and make it the next version.
    Raises PublishBlocked, having published nothing."""
    draft = draft_of(organization_id)
    steps = steps_of(draft) if draft else editing_steps(organization_id)
    latest = latest_published(organization_id)
    if latest is not None and rules.same_steps(steps, steps_of(latest)):
        raise PublishBlocked([Problem(f"Nothing to publish: version {latest.version} already runs these steps. "
                                      "Change a step first.", "editor")])
    problems = rules.publish_problems(steps, stripe_active=active_stripe_integration(organization_id) is not None)
    if problems:
        raise PublishBlocked(problems)
    number = (db.session.query(func.max(WorkflowVersion.version))
              .filter_by(organization_id=organization_id, workflow=INVOICE_TO_CASH).scalar() or 0) + 1
    published = {"status": "published", "version": number, "published_at": utcnow(), "published_by_id": user_id}
    if draft is None:
        draft = WorkflowVersion(organization_id=organization_id, workflow=INVOICE_TO_CASH,
                                steps=rules.to_json(steps), created_by_id=user_id, **published)
        db.session.add(draft)
    # Only a draft becomes a version: a click that read the draft before another one published it
    # must not renumber what that one published.
    elif not db.session.query(WorkflowVersion).filter(WorkflowVersion.id == draft.id,
                                                      WorkflowVersion.status == "draft").update(
            published, synchronize_session=False):
        db.session.rollback()
        raise _published_meanwhile()
    try:
        db.session.commit()
    except IntegrityError:  # two owners pressed Publish at once: the other one took this number
        db.session.rollback()
        raise _published_meanwhile() from None
    db.session.refresh(draft)
    return draft


def _published_meanwhile() -> PublishBlocked:
    return PublishBlocked([Problem("Someone else published at the same moment. Reload and try again.", "editor")])


def problem_link(problem: Problem) -> tuple[str, str]:
    """(url, text) of where to fix a problem."""
    if problem.fix == "integrations":
        return _url("integrations.index"), "Settings > Integrations"
    anchor = "" if problem.fix == "editor" else f"#step-{problem.fix}"
    return _url("workflows.invoice_to_cash") + anchor, "Workflows > Invoice-to-Cash"


# -- helpers -------------------------------------------------------------------------------------
def _published(organization_id):
    return (db.session.query(WorkflowVersion).execution_options(populate_existing=True)
            .filter_by(organization_id=organization_id, workflow=INVOICE_TO_CASH, status="published"))


def _as_published(record: WorkflowVersion) -> PublishedWorkflow:
    return PublishedWorkflow(version=record.version, published_at=record.published_at,
                             published_by_name=record.published_by.name if record.published_by else None,
                             steps=steps_of(record))


def _url(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)
