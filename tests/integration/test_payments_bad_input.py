"""Bad input on every form of Customers, Sales Invoices, Contracts, Integrations and Workflows:
never a 500; always a 4xx with the message beside the field, and nothing written.

Each case names the form, what is changed in an otherwise valid post, and the field whose message
must appear. "Nothing written" compares every row of every table before and after.

The world (two organizations, one logged in) is built once for the module (tests/fixtures/shared_app.py);
a case that writes anything has the database put back before the next one."""
import re
from datetime import date

import pytest

from light.auth.models import Organization
from light.contracts.models import Contract, ContractLine
from light.customers.models import Customer
from light.extensions import db
from light.integrations.models import Integration
from light.invoices import services as invoices
from light.invoices.models import Invoice, InvoiceEvent, InvoiceLine
from light.plumbing.webhooks.models import StripeEvent
from light.workflows import services as workflows
from light.workflows.models import WorkflowVersion
from tests.conftest import make_config
from tests.fixtures.shared_app import SharedApp, database_state

LONG = "x" * 10_000
HUGE = "9" * 30  # beyond a 64-bit BigInteger in any currency's minor units
UNICODE = "名前💸"
MISSING = object()
OTHER = object()  # replaced by the id of another organization's record

PAYMENT_TABLES = (Customer, Invoice, InvoiceLine, InvoiceEvent, Contract, ContractLine, Integration,
                  WorkflowVersion, StripeEvent)


def snapshot():
    """Every row of every table (the payment tables above among them)."""
    db.session.expire_all()
    state = database_state()
    assert all(state[model.__tablename__] for model in PAYMENT_TABLES if model is not StripeEvent)
    return state


@pytest.fixture(scope="module")
def shared(database_url, redis_connection):
    with SharedApp(make_config(database_url, REDIS_CONNECTION=redis_connection), build_world) as shared:
        yield shared


@pytest.fixture
def app(shared):
    yield from shared.each_test()


@pytest.fixture
def client(app, shared):
    return shared.client


@pytest.fixture
def world(app, shared):
    return shared.world


def build_world(shared):
    """An organization whose Stripe gate is open (an active integration and a published workflow,
    without calling Stripe), with a customer, a draft and an issued invoice; and another
    organization with a customer, an invoice and a contract of its own."""
    other = Organization(name="Other Org")  # nobody logs in to it: no password to hash
    db.session.add(other)
    db.session.commit()
    theirs = _customer(other.id, "Theirs")
    their_invoice = _invoice(other.id, theirs)
    their_contract = Contract(organization_id=other.id, customer_id=theirs.id, currency="USD",
                              frequency="monthly", start_date=date(2030, 1, 1), payment_method="bank_transfer",
                              lines=[ContractLine(description="Plan", quantity_milli=1000, unit_price=100)])
    db.session.add(their_contract)

    person = shared.auth.login(shared.auth.create_owner(organization="Acme Ltd"))
    integration = Integration(organization_id=person.organization_id, kind="stripe", status="active",
                              secret_key="sk_test_badinput000000000000", account_id="acct_bad", account_name="Acme",
                              webhook_mode="manual", webhook_secret="whsec_badInputSecret0000")
    db.session.add(integration)
    db.session.commit()
    workflows.save_draft(organization_id=person.organization_id, user_id=person.id,
                         form={f"{k}-enabled": "on" for k in workflows.STEP_KEYS} |
                         {"reminders-days_before": "3", "reminders-days_after": "7"})
    workflows.publish(organization_id=person.organization_id, user_id=person.id)
    ours = _customer(person.organization_id, "Ada Customer")
    draft = _invoice(person.organization_id, ours)
    issued = _invoice(person.organization_id, ours)
    assert invoices.issue(issued.id, person.organization_id)
    return {"customer": ours.id, "draft": draft.id, "issued": issued.id, "integration": integration.id,
            "their_customer": theirs.id, "their_invoice": their_invoice.id, "their_contract": their_contract.id}


def _customer(organization_id, name):
    customer = Customer(organization_id=organization_id, name=name, email="ada@example.com", currency="USD")
    db.session.add(customer)
    db.session.commit()
    return customer


def _invoice(organization_id, customer):
    invoice = Invoice(organization_id=organization_id, customer_id=customer.id, currency="USD",
                      issue_date=date(2030, 1, 1), due_date=date(2030, 1, 15), payment_method="bank_transfer",
                      pay_token=invoices.new_token(), subtotal=10000, total=10000,
                      lines=[InvoiceLine(description="Thing", quantity_milli=1000, unit_price=10000, net=10000,
                                         tax=0)])
    db.session.add(invoice)
    db.session.commit()
    return invoice


# -- the valid posts the cases spoil ---------------------------------------------------------------
def customer_form(world):
    return {"name": "Grace", "email": "grace@example.com", "currency": "USD", "address": "1 Road"}


def invoice_form(world):
    return {"customer_id": str(world["customer"]), "currency": "USD", "issue_date": "2030-01-01",
            "due_date": "2030-01-15", "payment_method": "stripe", "line_description": ["Consulting"],
            "line_quantity": ["2"], "line_unit_price": ["150.00"], "line_tax_rate": ["20"]}


def new_customer_invoice_form(world):
    return invoice_form(world) | {"customer_id": "new", "new_customer_name": "Grace",
                                  "new_customer_email": "grace@example.com", "new_customer_currency": "USD",
                                  "new_customer_address": ""}


def contract_form(world):
    form = invoice_form(world) | {"frequency": "monthly", "start_date": "2030-01-31", "end_date": "",
                                  "days_until_due": "0"}
    del form["issue_date"], form["due_date"]
    return form


FORMS = {
    "customer": ("/customers/new", customer_form),
    "customer edit": ("/customers/{customer}/edit", customer_form),
    "invoice": ("/invoices/new", invoice_form),
    "invoice, new customer": ("/invoices/new", new_customer_invoice_form),
    "invoice edit": ("/invoices/{draft}/edit", invoice_form),
    "contract": ("/contracts/new", contract_form),
    "payment": ("/invoices/{issued}/payments", lambda world: {"amount": "10.00"}),
    "stripe key": ("/settings/integrations/{integration}/key", lambda world: {"replace_secret_key": "sk_test_ok"}),
    "signing secret": ("/settings/integrations/{integration}/webhook-secret",
                       lambda world: {"signing_secret": "whsec_ok"}),
    "workflow": ("/settings/workflows/invoice-to-cash/draft",
                 lambda world: {"reminders-enabled": "on", "reminders-days_before": "3", "reminders-days_after": "7",
                                "send_payment_link-enabled": "on"}),
}

LINE = [("line_quantity", v, "lines-0-quantity") for v in ("", "abc", "-5", "0", HUGE, "1e400", "NaN", UNICODE)] + \
       [("line_unit_price", v, "lines-0-unit_price") for v in ("", "abc", "-5", HUGE, "1e400", "NaN", "1.001")] + \
       [("line_tax_rate", v, "lines-0-tax_rate") for v in ("abc", "-5", "101", HUGE, "1e400")] + \
       [("line_description", v, "lines-0-description") for v in ("", LONG)]
CUSTOMER_ID = [("customer_id", v, "customer_id") for v in ("", "abc", "-5", "0", HUGE, "²", "99999", OTHER, MISSING)]
CURRENCY = [("currency", v, "currency") for v in ("XYZ", "ABC", LONG, UNICODE, "-5")]
CASES = (
    [("customer", f, v, f) for f, vs in {"name": ("", LONG, MISSING), "email": ("", LONG, "abc", UNICODE, MISSING),
                                         "currency": ("", "XYZ", LONG, UNICODE, "12", MISSING),
                                         "address": (LONG,)}.items() for v in vs]
    + [("customer edit", "name", "", "name"), ("customer edit", "currency", "XYZ", "currency"),
       ("customer edit", "email", LONG, "email")]
    + [("invoice", *case) for case in LINE + CUSTOMER_ID + CURRENCY]
    + [("invoice", f, v, f) for f in ("issue_date", "due_date")
       for v in ("", "2026-02-30", "abc", LONG, "9999-12-31", "0001-01-01", UNICODE, MISSING)]
    + [("invoice", "due_date", "2029-12-31", "due_date"),
       ("invoice", "payment_method", "", "payment_method"), ("invoice", "payment_method", "cash", "payment_method"),
       ("invoice", "payment_method", LONG, "payment_method"), ("invoice", "payment_method", MISSING, "payment_method"),
       ("invoice", "line_description", MISSING, "lines-0-description"),
       # duplicated line fields: a second quantity without a description is a second line to fix
       ("invoice", "line_quantity", ["2", "3"], "lines-1-description"),
       ("invoice", "line_unit_price", ["1", "2", "3"], "lines-1-description"),
       # each line fits, but together they would overflow the total
       ("invoice", "lines", [("Big", "1", "9999999999999.99", "0")] * 100, "lines"),
       ("invoice", "lines", [("Big", "1000000000", "9999999999.99", "0")], "lines-0-unit_price"),
       ("invoice", "lines", [], "lines")]
    + [("invoice, new customer", f, v, f) for f, vs in {
        "new_customer_name": ("", LONG), "new_customer_email": ("abc", ""),
        "new_customer_currency": ("XYZ", "", LONG), "new_customer_address": (LONG,)}.items() for v in vs]
    + [("invoice edit", *case) for case in [("customer_id", OTHER, "customer_id"), ("customer_id", HUGE, "customer_id"),
                                            ("line_unit_price", HUGE, "lines-0-unit_price"),
                                            ("issue_date", "2026-02-30", "issue_date"),
                                            ("currency", "XYZ", "currency")]]
    + [("contract", *case) for case in CUSTOMER_ID + CURRENCY + LINE[::3]]
    + [("contract", "frequency", v, "frequency") for v in ("", "weekly", LONG, MISSING)]
    + [("contract", "start_date", v, "start_date") for v in ("", "2026-02-30", "9999-12-01", "0001-01-01", UNICODE)]
    + [("contract", "end_date", v, "end_date") for v in ("abc", "2030-01-30", "2026-02-30", "9999-12-31")]
    + [("contract", "days_until_due", v, "days_until_due") for v in ("-5", "abc", "²", "366", HUGE, "9" * 10_000)]
    + [("payment", "amount", v, "amount") for v in ("", "abc", "-5", "0", HUGE, "1e400", "NaN", "1.001", "100.01",
                                                    UNICODE, MISSING)]
    + [("stripe key", "replace_secret_key", v, "replace_secret_key")
       for v in ("", "sk_test_" + LONG, "pk_test_abc", "whsec_abc", UNICODE, MISSING)]
    + [("signing secret", "signing_secret", v, "signing_secret")
       for v in ("", "whsec_" + LONG, "sk_test_abc", UNICODE, MISSING)]
    + [("workflow", f, v, f) for f in ("reminders-days_before", "reminders-days_after")
       for v in ("", "abc", "-5", "61", HUGE, LONG, "²", MISSING)]
)


def case_id(case):
    form, field, value, _ = case
    shown = ("missing" if value is MISSING else "another org's" if value is OTHER else
             f"{len(value)} values" if isinstance(value, list) else
             f"{len(value)} chars" if len(value) > 40 else repr(value))
    return f"{form}: {field}={shown}"


def spoil(form: dict, field, value, world):
    form = dict(form)
    if field == "lines":
        form.update({f"line_{name}": [line[i] for line in value]
                     for i, name in enumerate(("description", "quantity", "unit_price", "tax_rate"))})
    elif value is MISSING:
        form.pop(field, None)
    elif value is OTHER:
        form[field] = str(world["their_customer"])
    else:
        form[field] = value
    return form


def message_beside(html: str, field: str) -> str | None:
    match = re.fullmatch(r"lines-(\d+)-(\w+)", field)
    element = f"line-{match[1]}-{match[2]}-error" if match else f"e-{field}"
    found = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element)}"[^>]*>([^<]+)</\1>', html)
    return found[2].strip() if found and "field-error" in found[0] else None


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_bad_input_is_answered_with_the_message_beside_the_field_and_writes_nothing(client, world, case):
    form_name, field, value, error_field = case
    url, valid = FORMS[form_name]
    before = snapshot()
    response = client.post(url.format(**world), data=spoil(valid(world), field, value, world))
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:500]
    assert message_beside(html, error_field), f"no message beside {error_field}"
    assert snapshot() == before


# A valid Stripe key is checked against Stripe itself: test_integrations_stripe covers that post.
@pytest.mark.parametrize("form_name", [name for name in FORMS if name != "stripe key"])
def test_each_valid_post_the_cases_spoil_is_accepted(client, world, form_name):
    """Guards the table above: every case fails because of its one change, not the base post."""
    url, valid = FORMS[form_name]
    response = client.post(url.format(**world), data=valid(world))
    assert response.status_code == 303, re.findall(r'class="field-error"[^>]*>([^<]+)', response.get_data(as_text=True))


@pytest.mark.parametrize("value", ["Zoë 名前 💸", "O'Brien & <Sons>"])
def test_unicode_and_markup_in_text_fields_are_kept_as_typed_and_shown_escaped(client, world, value):
    response = client.post("/customers/new", data=customer_form(world) | {"name": value, "address": value})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<Sons>" not in page and Customer.query.filter_by(name=value).one().address == value


@pytest.mark.parametrize("index", ["abc", "-1", HUGE, "²", UNICODE])
def test_add_line_with_a_bad_index_still_answers_a_blank_line(client, world, index):
    response = client.get("/invoices/lines/new", query_string={"index": index})
    assert response.status_code == 200 and 'name="line_description"' in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/settings/workflows/invoice-to-cash/versions/" + HUGE,
                                 "/webhooks/stripe/integrations/" + HUGE])
def test_an_id_longer_than_any_record_is_a_404(client, world, url):
    method = client.post if "webhooks" in url else client.get
    assert method(url).status_code == 404


# -- another organization's records -----------------------------------------------------------------
ACTIONS = [("POST", "/invoices/{their_invoice}/edit"), ("POST", "/invoices/{their_invoice}/issue"),
           ("POST", "/invoices/{their_invoice}/void"), ("POST", "/invoices/{their_invoice}/delete"),
           ("POST", "/invoices/{their_invoice}/send"), ("POST", "/invoices/{their_invoice}/charge"),
           ("POST", "/invoices/{their_invoice}/payments"), ("POST", "/customers/{their_customer}/edit"),
           ("POST", "/contracts/{their_contract}/cancel")]


@pytest.mark.parametrize("method,url", ACTIONS, ids=[u for _, u in ACTIONS])
def test_actions_on_another_organizations_records_answer_404_and_write_nothing(client, world, method, url):
    before = snapshot()
    data = invoice_form(world) | customer_form(world) | {"amount": "1.00"}
    assert client.open(url.format(**world), method=method, data=data).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("url", ["/invoices/new?customer_id={their_customer}",
                                 "/contracts/new?customer_id={their_customer}"])
def test_another_organizations_customer_is_never_offered_on_our_forms(client, world, url):
    html = client.get(url.format(**world)).get_data(as_text=True)
    assert "Theirs" not in html
