"""The steps of Invoice-to-Cash, their settings, and the checks before publishing.
Pure: no Flask, no DB, so the rules are tested with plain data."""
from collections.abc import Mapping
from dataclasses import dataclass, field

SEND_PAYMENT_LINK = "send_payment_link"
REMINDERS = "reminders"
AUTO_CHARGE = "auto_charge"
MARK_PAID_AND_RECEIPT = "mark_paid_and_receipt"
NOTIFY_ON_FAILURE = "notify_on_failure"


@dataclass(frozen=True)
class Setting:
    name: str
    label: str
    default: int
    minimum: int
    maximum: int


@dataclass(frozen=True)
class StepDefinition:
    key: str
    title: str
    description: str
    uses_stripe: bool
    enabled_by_default: bool
    settings: tuple[Setting, ...] = ()


@dataclass(frozen=True)
class Step:
    key: str
    enabled: bool
    settings: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    message: str
    fix: str  # "integrations" (add Stripe) or a step key to change in the editor


# In the order an invoice meets them.
DEFINITIONS = (
    StepDefinition(SEND_PAYMENT_LINK, "E-mail the payment link",
                   "When an invoice is issued, e-mail the customer a link to pay it with Stripe.",
                   uses_stripe=True, enabled_by_default=True),
    StepDefinition(REMINDERS, "Send reminders",
                   "E-mail the customer before and after the due date while the invoice is unpaid (0 days: none).",
                   uses_stripe=False, enabled_by_default=True,
                   settings=(Setting("days_before", "Days before the due date", 3, 0, 60),
                             Setting("days_after", "Days after the due date", 7, 0, 60))),
    StepDefinition(AUTO_CHARGE, "Charge saved payment details",
                   "When the customer has saved payment details, charge them automatically when the invoice is "
                   "issued (details saved later are charged on the due date). The customer re-enters nothing.",
                   uses_stripe=True, enabled_by_default=True),
    StepDefinition(MARK_PAID_AND_RECEIPT, "E-mail a receipt",
                   "When a Stripe payment arrives, e-mail the customer a receipt. Invoices are marked paid either way.",
                   uses_stripe=True, enabled_by_default=True),
    StepDefinition(NOTIFY_ON_FAILURE, "Notify on failure",
                   "When a payment fails, notify your team and ask the customer to pay another way.",
                   uses_stripe=True, enabled_by_default=True),
)
BY_KEY = {d.key: d for d in DEFINITIONS}
STEP_KEYS = tuple(BY_KEY)


def default_setting(step_key: str, name: str) -> int:
    return next(setting.default for setting in BY_KEY[step_key].settings if setting.name == name)


def default_steps() -> dict[str, Step]:
    return {d.key: Step(d.key, d.enabled_by_default, {s.name: s.default for s in d.settings})
            for d in DEFINITIONS}


def from_json(data: Mapping | None) -> dict[str, Step]:
    """Steps as stored, with any step or setting added since filled in from the defaults."""
    steps = default_steps()
    for key, stored in (data or {}).items():
        if key in steps and isinstance(stored, Mapping):
            settings = dict(steps[key].settings)
            settings.update({k: v for k, v in (stored.get("settings") or {}).items() if k in settings})
            steps[key] = Step(key, bool(stored.get("enabled")), settings)
    return steps


def to_json(steps: Mapping[str, Step]) -> dict:
    return {key: {"enabled": step.enabled, "settings": dict(step.settings)} for key, step in steps.items()}


def from_form(form: Mapping) -> tuple[dict[str, Step], dict[str, str]]:
    """The editor's fields (`<key>-enabled`, `<key>-<setting>`) as steps, and {field: message}."""
    steps, errors = {}, {}
    for d in DEFINITIONS:
        values = {}
        for s in d.settings:
            name = f"{d.key}-{s.name}"
            raw = str(form.get(name, "")).strip()
            try:
                value = int(raw)
            except ValueError:
                errors[name] = f"{s.label}: enter a whole number of days."
                continue
            if not s.minimum <= value <= s.maximum:
                errors[name] = f"{s.label}: enter {s.minimum} to {s.maximum} days."
                continue
            values[s.name] = value
        steps[d.key] = Step(d.key, form.get(f"{d.key}-enabled") in ("on", "1", "true", "yes"), values)
    reminders = steps[REMINDERS]
    if reminders.enabled and not errors and not any(reminders.settings.values()):
        errors[f"{REMINDERS}-days_before"] = "Set a number of days before or after the due date, or turn reminders off."
    return steps, errors


def publish_problems(steps: Mapping[str, Step], *, stripe_active: bool) -> list[Problem]:
    problems = []
    stripe_steps = [BY_KEY[k].title for k, s in steps.items() if s.enabled and BY_KEY[k].uses_stripe]
    if stripe_steps and not stripe_active:
        problems.append(Problem(f"“{stripe_steps[0]}” needs an active Stripe integration: add Stripe in "
                                "Settings > Integrations first.", "integrations"))
    if not (steps[SEND_PAYMENT_LINK].enabled or steps[AUTO_CHARGE].enabled):
        problems.append(Problem(f"Turn on “{BY_KEY[SEND_PAYMENT_LINK].title}” or “{BY_KEY[AUTO_CHARGE].title}”: "
                                "otherwise Invoice-to-Cash never collects a payment.", SEND_PAYMENT_LINK))
    return problems


def same_steps(a: Mapping[str, Step], b: Mapping[str, Step]) -> bool:
    return to_json(a) == to_json(b)


def differences(before: Mapping[str, Step] | None, after: Mapping[str, Step]) -> list[str]:
    """What changed from one version to the next, in the editor's words, step by step. With no
    earlier version, every step is listed as it starts."""
    changes = []
    for d in DEFINITIONS:
        new = after[d.key]
        if before is None:
            changes.append(f"{d.title}: {'on' if new.enabled else 'off'}")
            continue
        old = before[d.key]
        if old.enabled != new.enabled:
            changes.append(f"{d.title}: turned {'on' if new.enabled else 'off'}")
        for s in d.settings:
            was, now = old.settings.get(s.name, s.default), new.settings.get(s.name, s.default)
            if str(was) != str(now):
                changes.append(f"{d.title}: {s.label.lower()} {was} → {now}")
    return changes
