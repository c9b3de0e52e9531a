"""Retake the README's screenshots, desktop (1280 × 800) and phone (390 × 844), from a fresh
`make run`-style Light: the Stripe sandbox and `flask run` as subprocesses on a new SQLite file,
the same environment `make run` gives them, and Playwright on Debian's Chromium.

    .venv/bin/python docs/screenshots/take.py [--out docs/screenshots]

What a new owner does on day one, through the pages where a person would: sign up, add Stripe,
publish Invoice-to-Cash, issue an invoice, the customer pays it on the sandbox's Checkout page,
a second invoice is charged to the saved card by itself, part of the first is refunded with
its Refund button (a credit note appears) and one is issued by hand, and Connect Bank brings in a sandbox Stripe
Account with its demo history. Invoices are typed in with Light's own service
(the form is covered by the browser tests), against the same database and sandbox."""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import requests
from cryptography.fernet import Fernet
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("LIGHT_CHROMIUM", "/usr/bin/chromium")
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
EMAIL, PASSWORD = "ada@acme.test", "a-long-passphrase"
STRIPE_KEY = "sk_test_acmeScreenshots0000000001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, timeout=30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not start")


def environment(workdir: Path, sandbox: str, public: str) -> dict:
    """What `make run` sets without a STRIPE_SECRET_KEY, on a database of its own."""
    return {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'light.db'}", "FLASK_APP": "app",
            "SECRET_KEY": "screenshots", "LIGHT_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "STRIPE_SANDBOX": "1", "STRIPE_API_BASE": sandbox, "STRIPE_CONNECT_BASE": sandbox,
            "STRIPE_SECRET_KEY": "sk_test_lightsandboxplatform", "STRIPE_CLIENT_ID": "ca_lightsandboxclient",
            "LIGHT_PUBLIC_URL": public, "REDIS_URL": "", "SMTP_URL": ""}


def start(workdir: Path):
    sandbox_port, app_port = free_port(), free_port()
    sandbox, public = f"http://127.0.0.1:{sandbox_port}", f"http://127.0.0.1:{app_port}"
    env = environment(workdir, sandbox, public)
    logs = open(workdir / "servers.log", "w")  # noqa: SIM115 - open while the servers run
    processes = [subprocess.Popen([BIN / "python", "-m", "stripe_sandbox", "--port", str(sandbox_port)],
                                  cwd=ROOT, env=env, stdout=logs, stderr=logs)]
    subprocess.run([BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    processes.append(subprocess.Popen([BIN / "flask", "run", "--host", "127.0.0.1", "--port", str(app_port),
                                       "--with-threads"], cwd=ROOT, env=env, stdout=logs, stderr=logs))
    wait_up(sandbox + "/_sandbox/state")
    wait_up(public + "/login")
    return processes, env, sandbox, public


def light_app(env: dict):
    """Light itself on the same database and sandbox, to type invoices in and read what happened."""
    os.environ.update(env)
    from light import create_app

    return create_app()


def shoot(page, out: Path, name: str, *, full=True) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / f"{name}.png"), full_page=full)
    print("  ", out / f"{name}.png")


def sign_up_and_add_stripe(page, base: str) -> None:
    page.goto(base + "/signup")
    page.get_by_label("Company name").fill("Acme Ltd")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Work e-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()
    page.goto(base + "/settings/integrations/stripe/new")
    page.get_by_label("Stripe secret key").fill(STRIPE_KEY)
    page.get_by_role("button", name="Check and save").click()
    page.wait_for_load_state("networkidle")


def publish_workflow(page, base: str) -> None:
    page.goto(base + "/settings/workflows/invoice-to-cash")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Publish").first.click()
    page.wait_for_load_state("networkidle")


def new_invoice(app, lines, *, customer_id="new", customer=("Grace Hopper & Co", "grace@hopper.test")):
    from werkzeug.datastructures import MultiDict

    from light.auth.models import User
    from light.invoices import services
    from light.utc import utcnow

    with app.app_context():
        organization_id = User.query.filter_by(email=EMAIL).one().organization_id
        today = utcnow().date()
        form = MultiDict({"customer_id": str(customer_id), "currency": "USD", "issue_date": str(today),
                          "due_date": str(today + timedelta(days=14)), "payment_method": "stripe",
                          "po_number": "PO-2041", "terms": "Net 14",
                          "line_description": [line[0] for line in lines],
                          "line_quantity": [line[1] for line in lines],
                          "line_unit_price": [line[2] for line in lines],
                          "line_tax_rate": [line[3] for line in lines]})
        if customer_id == "new":
            form.update({"new_customer_name": customer[0], "new_customer_email": customer[1],
                         "new_customer_currency": "USD", "new_customer_address": "1 Harbour Road\nArlington VA"})
        invoice = services.create_invoice(organization_id, form)
        return invoice.id, invoice.customer_id


def invoice_state(app, invoice_id):
    from light.extensions import db
    from light.invoices.models import Invoice

    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        return invoice.status, invoice.pay_token, invoice.stripe_payment_intent_id, len(invoice.credit_notes)


def wait_for(condition, timeout=30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise SystemExit("gave up waiting")


def issue(page, base, invoice_id) -> None:
    page.goto(f"{base}/invoices/{invoice_id}")
    page.get_by_role("button", name="Issue").click()
    expect(page.locator("#invoice-status")).not_to_have_text("Draft")


def pay_on_checkout(page, base, token) -> None:
    page.goto(f"{base}/pay/{token}")
    page.get_by_role("button", name=re.compile("^Pay with Stripe")).click()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Name on card").fill("Grace Hopper")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    page.wait_for_url(re.compile(r"/pay/"))


def connect_bank(page, base) -> None:
    """Connect Bank > Stripe Account, a new sandbox account with its demo history, synced."""
    page.goto(base + "/bank-reconciliation/connect")
    page.get_by_role("button", name="Stripe Account").click()
    page.get_by_label("Create a new sandbox account").check()
    page.get_by_label("Business name").fill("Acme Ltd")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("link", name="Stripe (USD)")).to_be_visible(timeout=120000)
    expect(page.locator("#bank-accounts progress")).to_have_count(0, timeout=120000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        processes, env, sandbox, base = start(Path(tmp))
        try:
            app = light_app(env)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                page = browser.new_page(viewport=DESKTOP)
                sign_up_and_add_stripe(page, base)
                publish_workflow(page, base)
                shoot(page, out, "09-workflow-published")

                first, customer = new_invoice(app, [("Consulting, March", "12.5", "150.00", "20"),
                                                    ("Support plan", "1", "99.00", "0")])
                issue(page, base, first)
                _, token, _, _ = invoice_state(app, first)
                pay_on_checkout(page, base, token)
                wait_for(lambda: invoice_state(app, first)[0] == "paid")

                second, _ = new_invoice(app, [("Consulting, April", "8", "150.00", "20")], customer_id=customer)
                issue(page, base, second)
                wait_for(lambda: invoice_state(app, second)[0] == "paid")
                page.goto(f"{base}/invoices/{second}")
                shoot(page, out, "15-second-invoice-paid")

                # One still open, so the dashboard has receivables: the pay link goes out by e-mail.
                third, _ = new_invoice(app, [("Workshop, two days", "2", "1200.00", "20")],
                                       customer=("Lovelace Analytical", "accounts@lovelace.test"))
                issue(page, base, third)

                # Part of the first invoice is refunded with its Refund button: its credit note comes with it.
                page.goto(f"{base}/invoices/{first}")
                page.get_by_text("Refund through Stripe", exact=True).click()
                page.get_by_label("Refund amount (USD)").fill("99.00")
                page.get_by_label("Reason (optional)").fill("Support plan cancelled")
                page.once("dialog", lambda dialog: dialog.accept())
                page.get_by_role("button", name="Refund", exact=True).click()
                expect(page.locator("#credit-notes").get_by_role("link", name="CN-0001")).to_be_visible()
                page.get_by_text("Issue a credit note for money given back outside Stripe").click()
                page.locator("#f-credit_amount").fill("150.00")
                page.locator("#f-credit_reason").fill("One hour not worked, returned by bank transfer")
                page.once("dialog", lambda dialog: dialog.accept())
                page.get_by_role("button", name="Issue credit note").click()
                expect(page.get_by_role("heading", name="Credit note CN-0002")).to_be_visible()
                shoot(page, out, "23-credit-note")
                page.goto(f"{base}/invoices/{first}")
                shoot(page, out, "22-invoice-partly-refunded")
                page.goto(base + "/")
                shoot(page, out, "20-dashboard")
                page.goto(base + "/invoices/")
                shoot(page, out, "21-sales-invoices")

                connect_bank(page, base)
                page.goto(base + "/bank-reconciliation/")
                shoot(page, out, "05-bank-accounts")
                page.goto(base + page.get_by_role("link", name="Stripe (USD)").first.get_attribute("href"))
                expect(page.locator("tr.bank-transaction").first).to_be_visible(timeout=60000)
                shoot(page, out, "06-reconciliation")

                page.set_viewport_size(PHONE)
                for path, name in (("/", "30-phone-dashboard"), ("/invoices/", "31-phone-sales-invoices"),
                                   (f"/invoices/{first}", "32-phone-invoice"),
                                   ("/bank-reconciliation/", "34-phone-bank-reconciliation")):
                    page.goto(base + path)
                    shoot(page, out, name)
                page.goto(base + "/invoices/")
                page.get_by_role("button", name="Menu").click()
                shoot(page, out, "33-phone-menu", full=False)
                browser.close()
        finally:
            for process in reversed(processes):
                process.terminate()
                process.wait(10)


if __name__ == "__main__":
    main()
