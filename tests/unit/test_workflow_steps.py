"""The rules of Invoice-to-Cash, with plain data."""
from light.workflows import steps
from light.workflows.steps import AUTO_CHARGE, REMINDERS, SEND_PAYMENT_LINK


def form_with(**overrides):
    form = {f"{key}-enabled": "on" for key in steps.STEP_KEYS}
    form.update({"reminders-days_before": "3", "reminders-days_after": "7"})
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def test_the_editor_fields_become_steps_with_their_settings():
    parsed, errors = steps.from_form(form_with(**{"auto_charge-enabled": None, "reminders-days_after": " 14 "}))
    assert errors == {}
    assert list(parsed) == list(steps.STEP_KEYS)
    assert parsed[AUTO_CHARGE].enabled is False
    assert parsed[SEND_PAYMENT_LINK].enabled is True
    assert parsed[REMINDERS].settings == {"days_before": 3, "days_after": 14}


def test_reminder_days_must_be_whole_numbers_in_range():
    _, errors = steps.from_form(form_with(**{"reminders-days_before": "two", "reminders-days_after": "61"}))
    assert "whole number" in errors["reminders-days_before"]
    assert "0 to 60" in errors["reminders-days_after"]


def test_reminders_turned_on_need_at_least_one_day_set():
    _, errors = steps.from_form(form_with(**{"reminders-days_before": "0", "reminders-days_after": "0"}))
    assert "turn reminders off" in errors["reminders-days_before"]
    _, errors = steps.from_form(form_with(**{"reminders-enabled": None, "reminders-days_before": "0",
                                             "reminders-days_after": "0"}))
    assert errors == {}


def test_stored_steps_survive_a_round_trip_and_missing_ones_take_the_defaults():
    parsed, _ = steps.from_form(form_with(**{"notify_on_failure-enabled": None}))
    assert steps.from_json(steps.to_json(parsed)) == parsed
    partial = steps.from_json({"reminders": {"enabled": True, "settings": {"days_before": 5, "unknown": 1}}})
    assert partial[REMINDERS].settings == {"days_before": 5, "days_after": 7}
    assert partial[SEND_PAYMENT_LINK] == steps.default_steps()[SEND_PAYMENT_LINK]


def test_a_stripe_step_cannot_be_published_without_an_active_stripe_integration():
    problems = steps.publish_problems(steps.default_steps(), stripe_active=False)
    assert [p.fix for p in problems] == ["integrations"]
    assert "needs an active Stripe integration" in problems[0].message
    assert steps.publish_problems(steps.default_steps(), stripe_active=True) == []


def test_only_reminders_on_needs_no_stripe_but_never_collects_so_it_is_refused():
    only_reminders, _ = steps.from_form({"reminders-enabled": "on", "reminders-days_before": "3",
                                         "reminders-days_after": "0"})
    problems = steps.publish_problems(only_reminders, stripe_active=False)
    assert [p.fix for p in problems] == [SEND_PAYMENT_LINK]
    assert "never collects a payment" in problems[0].message


def test_auto_charge_alone_is_a_way_to_collect():
    parsed, _ = steps.from_form(form_with(**{"send_payment_link-enabled": None}))
    assert steps.publish_problems(parsed, stripe_active=True) == []


def test_same_steps_compares_what_runs():
    a = steps.default_steps()
    b, _ = steps.from_form(form_with())
    assert steps.same_steps(a, b)
    c, _ = steps.from_form(form_with(**{"auto_charge-enabled": None}))
    assert not steps.same_steps(a, c)


def test_a_setting_never_saved_falls_back_to_its_steps_own_default():
    from light.workflows.steps import REMINDERS, default_setting

    # The reminder pass once fell back to 3 days after the due date, while the step's default is 7.
    assert default_setting(REMINDERS, "days_after") == 7
    assert default_setting(REMINDERS, "days_before") == 3


def test_differences_name_each_step_switched_and_each_setting_changed():
    before = steps.default_steps()
    after = dict(before)
    after[REMINDERS] = steps.Step(REMINDERS, True, {"days_before": 3, "days_after": 14})
    after[AUTO_CHARGE] = steps.Step(AUTO_CHARGE, False, {})
    assert steps.differences(before, after) == [
        "Send reminders: days after the due date 7 → 14",
        "Charge saved payment details: turned off",
    ]
    assert steps.differences(before, before) == []


def test_the_first_version_lists_every_step_as_it_starts():
    first = steps.differences(None, steps.default_steps())
    assert first[0] == "E-mail the payment link: on" and len(first) == len(steps.DEFINITIONS)
