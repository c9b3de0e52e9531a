"""Invoice-to-Cash reminders: N days before and N days after the due date, each e-mailed once,
as received by a real SMTP server; 0 days means no reminder."""
import pytest
from freezegun import freeze_time

from light.invoices import reminders as jobs
from tests.fixtures.invoices import create_invoice, issue, on_the_sandbox, reload, stripe_org


@pytest.fixture
def app_config(app_config, stripe_sandbox):
    return on_the_sandbox(app_config, stripe_sandbox)


def reminders_sent(invoice):
    return sorted(e.ref for e in reload(invoice).events if e.kind == "reminder")


@pytest.fixture
def bank_transfer_invoice(client, auth, stripe_sandbox, sandbox_key, run_jobs, app, smtp_server, request):
    days_before, days_after = getattr(request, "param", (3, 7))
    app.config["SMTP_URL"] = smtp_server.url
    stripe_org(client, auth, stripe_sandbox, sandbox_key, days_before=days_before, days_after=days_after)
    with freeze_time("2030-01-01 09:00:00"):
        invoice = issue(client, run_jobs, create_invoice(client, method="bank_transfer", issue="2030-01-01",
                                                        due="2030-01-15"))
    return invoice


def run_pass(day):
    with freeze_time(f"{day} 08:00:00"):
        return jobs.remind_and_mark_overdue()


def test_a_reminder_goes_out_days_before_the_due_date_once(bank_transfer_invoice, smtp_server):
    invoice = bank_transfer_invoice
    run_pass("2030-01-11")
    assert reminders_sent(invoice) == []
    run_pass("2030-01-12")
    run_pass("2030-01-12")  # the clock running twice
    run_pass("2030-01-13")
    assert reminders_sent(invoice) == ["reminder-before"]
    reminders = [m for m in smtp_server.to("ada.customer@example.com") if m["Subject"].startswith("Reminder")]
    assert len(reminders) == 1 and invoice.number in reminders[0]["Subject"] + smtp_server.text(reminders[0])


def test_an_overdue_reminder_goes_out_days_after_the_due_date_once(bank_transfer_invoice, smtp_server):
    invoice = bank_transfer_invoice
    run_pass("2030-01-16")
    assert reload(invoice).status == "overdue"
    run_pass("2030-01-21")
    assert "reminder-after" not in reminders_sent(invoice)
    run_pass("2030-01-22")
    run_pass("2030-01-23")
    assert reminders_sent(invoice).count("reminder-after") == 1
    overdue = [m for m in smtp_server.to("ada.customer@example.com") if m["Subject"].startswith("Overdue")]
    assert len(overdue) == 1


@pytest.mark.parametrize("bank_transfer_invoice, expected", [((0, 7), ["reminder-after"]),
                                                             ((3, 0), ["reminder-before"])],
                         indirect=["bank_transfer_invoice"])
def test_zero_days_means_no_reminder_on_that_side(bank_transfer_invoice, expected):
    for day in ("2030-01-12", "2030-01-14", "2030-01-15", "2030-01-16", "2030-01-22", "2030-02-15"):
        run_pass(day)
    assert reminders_sent(bank_transfer_invoice) == expected


def test_a_paid_invoice_gets_no_reminder(bank_transfer_invoice, client):
    invoice = bank_transfer_invoice
    response = client.post(f"/invoices/{invoice.id}/payments", data={"amount": "360.00"})
    assert response.status_code == 303
    assert reload(invoice).status == "paid"
    run_pass("2030-01-12")
    run_pass("2030-01-22")
    assert reminders_sent(invoice) == []
