"""Search, sort and CSV export of Sales Invoices, customers and Contracts: through the routes, on
real rows, with bad input answered 4xx and another organization's rows never in sight."""
import csv
import io
import re
from datetime import date

import pytest

from light.contracts.models import Contract, ContractLine
from light.customers.models import Customer
from light.extensions import db
from light.invoices.models import Invoice
from light.invoices.services import new_token

HTMX = {"HX-Request": "true", "HX-Target": "invoice-list"}


def add_customer(organization_id, name, email, currency="USD"):
    customer = Customer(organization_id=organization_id, name=name, email=email, currency=currency, address="")
    db.session.add(customer)
    db.session.flush()
    return customer


def add_invoice(customer, number, total, *, status="issued", issued=date(2026, 3, 1), due=date(2026, 3, 15),
                currency=None):
    invoice = Invoice(organization_id=customer.organization_id, customer_id=customer.id, number=number,
                      status=status, currency=currency or customer.currency, issue_date=issued, due_date=due,
                      payment_method="bank_transfer", pay_token=new_token(), subtotal=total, total=total)
    db.session.add(invoice)
    db.session.flush()
    return invoice


@pytest.fixture
def books(auth):
    owner = auth.login()
    org = owner.organization_id
    acme = add_customer(org, "Acme Ltd", "billing@acme.example")
    globex = add_customer(org, "Globex", "ap@globex.example")
    tokyo = add_customer(org, "Tokyo KK", "kaikei@tokyo.example", "JPY")
    add_invoice(acme, "INV-0001", 12000, issued=date(2026, 1, 5))
    add_invoice(acme, "INV-0002", 50, status="paid", issued=date(2026, 2, 5))
    add_invoice(globex, "INV-0003", 99900, status="overdue", issued=date(2026, 3, 5))
    add_invoice(tokyo, "INV-0004", 1200, issued=date(2026, 4, 5))  # ¥1,200
    add_invoice(globex, None, 777, status="draft", issued=date(2026, 5, 5))
    db.session.commit()
    return owner


def numbers(html):
    return re.findall(r'/invoices/\d+">(INV-\d+|Draft)</a>', html)


def test_search_finds_by_number_customer_email_and_amount(client, books):
    assert numbers(client.get("/invoices/?q=inv-0003").get_data(as_text=True)) == ["INV-0003"]
    assert numbers(client.get("/invoices/?q=ACME&sort=number").get_data(as_text=True)) == ["INV-0001", "INV-0002"]
    assert numbers(client.get("/invoices/?q=ap@globex").get_data(as_text=True)) == ["Draft", "INV-0003"]
    assert numbers(client.get("/invoices/?q=120").get_data(as_text=True)) == ["INV-0001"]  # $120.00
    assert numbers(client.get("/invoices/?q=0.5").get_data(as_text=True)) == ["INV-0002"]  # $0.50, never ¥0.5
    assert numbers(client.get("/invoices/?q=120.00").get_data(as_text=True)) == ["INV-0001"]
    assert numbers(client.get("/invoices/?q=1200").get_data(as_text=True)) == ["INV-0004"]  # ¥1,200


def test_a_search_for_a_wildcard_matches_only_that_character(client, books):
    html = client.get("/invoices/?q=%25").get_data(as_text=True)
    assert numbers(html) == [] and "No invoices match" in html
    assert numbers(client.get("/invoices/?q=_").get_data(as_text=True)) == []


@pytest.mark.parametrize("sort, expected", [
    ("number", ["INV-0001", "INV-0002", "INV-0003", "INV-0004", "Draft"]),
    ("-number", ["INV-0004", "INV-0003", "INV-0002", "INV-0001", "Draft"]),
    ("customer", ["INV-0001", "INV-0002", "INV-0003", "Draft", "INV-0004"]),
    ("-total", ["INV-0003", "INV-0001", "INV-0004", "Draft", "INV-0002"]),
    ("issue_date", ["INV-0001", "INV-0002", "INV-0003", "INV-0004", "Draft"]),
    ("status", ["Draft", "INV-0001", "INV-0004", "INV-0003", "INV-0002"]),
])
def test_every_column_sorts(client, books, sort, expected):
    assert numbers(client.get(f"/invoices/?sort={sort}").get_data(as_text=True)) == expected


def test_filters_by_status_date_and_amount_combine(client, books):
    assert numbers(client.get("/invoices/?status=overdue").get_data(as_text=True)) == ["INV-0003"]
    url = "/invoices/?issued_from=2026-02-01&issued_to=2026-04-30&sort=number"
    assert numbers(client.get(url).get_data(as_text=True)) == ["INV-0002", "INV-0003", "INV-0004"]
    # "from 100" is $100.00 and ¥100: both currencies read the bound in their own minor units
    assert numbers(client.get("/invoices/?min=100&sort=number").get_data(as_text=True)) == [
        "INV-0001", "INV-0003", "INV-0004"]
    assert numbers(client.get("/invoices/?min=100&max=500&sort=number").get_data(as_text=True)) == ["INV-0001"]


@pytest.mark.parametrize("query", ["sort=password", "sort=-", "status=hacked", "page=-1", "page=abc",
                                   "page=99999999999", "sort=" + "x" * 5000, "q=" + "a" * 5000])
def test_a_bad_sort_status_or_page_is_ignored(client, books, query):
    response = client.get(f"/invoices/?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize("query, field, message", [
    ("issued_from=31/01/2026", "issued_from", "Enter a date like 2026-12-31"),
    ("issued_from=2026-13-01", "issued_from", "Enter a date like 2026-12-31"),
    ("min=1,000", "min", "Leave out the comma"),
    ("min=$5", "min", "without symbols"),
    ("min=9&max=1", "max", "The largest amount is below the smallest."),
])
def test_a_filter_that_cant_be_read_answers_400_with_its_message_beside_the_field(client, books, query, field,
                                                                                   message):
    response = client.get(f"/invoices/?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert f'id="invoice-{field}-error"' in html and 'aria-invalid="true"' in html
    assert len(numbers(html)) >= 1  # the list, without that filter


def test_htmx_gets_the_list_alone_with_the_filters_out_of_band_and_a_clean_url(client, books):
    response = client.get("/invoices/?q=acme&status=&issued_from=&min=&sort=-created&page=1", headers=HTMX)
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="invoice-filters" hx-swap-oob="true"' in html
    assert numbers(html) == ["INV-0002", "INV-0001"]
    assert response.headers["HX-Push-Url"] == "/invoices/?q=acme"
    assert "HX-Request" in response.headers["Vary"]
    full = client.get("/invoices/?q=acme").get_data(as_text=True)
    assert 'value="acme"' in full and full.count('id="invoice-filters"') == 1


def test_links_keep_the_search_and_mark_the_sorted_column(client, books):
    html = client.get("/invoices/?q=acme&sort=-total").get_data(as_text=True)
    assert 'aria-sort="descending"' in html
    assert 'href="/invoices/?q=acme&amp;sort=total"' in html  # the same column, the other way
    assert 'href="/invoices/?q=acme&amp;status=paid&amp;sort=-total"' in html  # a status tab keeps both


def test_pages_follow_each_other_without_repeating_an_invoice(client, auth):
    owner = auth.login()
    customer = add_customer(owner.organization_id, "Many Ltd", "many@example.com")
    for i in range(105):
        add_invoice(customer, f"INV-{i:04d}", 100 + i)
    db.session.commit()
    first = client.get("/invoices/?sort=number").get_data(as_text=True)
    second = client.get("/invoices/?sort=number&page=2").get_data(as_text=True)
    assert len(numbers(first)) == 100 and numbers(second) == [f"INV-{i:04d}" for i in range(100, 105)]
    assert 'href="/invoices/?sort=number&amp;page=2"' in first and "Next page" not in second
    assert "No more invoices" in client.get("/invoices/?sort=number&page=3").get_data(as_text=True)


def test_customers_search_and_sort(client, books):
    html = client.get("/customers/?q=example&sort=-name").get_data(as_text=True)
    assert re.findall(r'/customers/\d+">([^<]+)</a>', html) == ["Tokyo KK", "Globex", "Acme Ltd"]
    html = client.get("/customers/?q=ACME").get_data(as_text=True)
    assert re.findall(r'/customers/\d+">([^<]+)</a>', html) == ["Acme Ltd"]
    assert client.get("/customers/?sort=nope&page=x").status_code == 200
    htmx = client.get("/customers/?q=glob", headers={"HX-Request": "true", "HX-Target": "customer-list"})
    assert htmx.headers["HX-Push-Url"] == "/customers/?q=glob" and "<html" not in htmx.get_data(as_text=True)


def test_contracts_search_sort_and_filter(client, books):
    org = books.organization_id
    customers = {c.name: c for c in Customer.query.filter_by(organization_id=org)}
    for name, plan, total, status, start in (("Acme Ltd", "Gold plan", 5000, "active", date(2026, 1, 1)),
                                             ("Globex", "Silver plan", 2000, "paused", date(2026, 2, 1)),
                                             ("Tokyo KK", "Hosting", 9000, "cancelled", date(2026, 3, 1))):
        db.session.add(Contract(organization_id=org, customer_id=customers[name].id, currency="USD",
                                frequency="monthly", start_date=start, status=status, total=total, subtotal=total,
                                lines=[ContractLine(description=plan, quantity_milli=1000, unit_price=total)]))
    db.session.commit()

    def titles(url):
        return re.findall(r'/contracts/\d+">([^<(]+) \(', client.get(url).get_data(as_text=True))

    assert titles("/contracts/?q=plan&sort=-total") == ["Gold plan", "Silver plan"]
    assert titles("/contracts/?q=tokyo") == ["Hosting"]
    assert titles("/contracts/?status=paused") == ["Silver plan"]
    assert titles("/contracts/?starts_from=2026-02-01&sort=start_date") == ["Silver plan", "Hosting"]
    assert titles("/contracts/?sort=customer") == ["Gold plan", "Silver plan", "Hosting"]
    bad = client.get("/contracts/?starts_from=yesterday")
    assert bad.status_code == 400 and "Enter a date like" in bad.get_data(as_text=True)


def test_the_invoice_export_is_the_current_search_with_amounts_in_minor_unit_precision(client, books):
    response = client.get("/invoices/export.csv?q=INV-000&sort=number")
    assert response.status_code == 200 and response.mimetype == "text/csv" and response.is_streamed
    assert response.headers["Content-Disposition"].startswith('attachment; filename="invoices-')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["Number"] for r in rows] == ["INV-0001", "INV-0002", "INV-0003", "INV-0004"]
    assert rows[0]["Total"] == "120.00" and rows[0]["Customer"] == "Acme Ltd" and rows[0]["Status"] == "Issued"
    assert rows[3]["Total"] == "1200" and rows[3]["Currency"] == "JPY"  # a zero-decimal currency
    assert rows[1]["Amount due"] == "0.50" and rows[0]["Issue date"] == "2026-01-05"
    only_paid = client.get("/invoices/export.csv?status=paid").get_data(as_text=True)
    assert "INV-0002" in only_paid and "INV-0001" not in only_paid


def test_an_export_with_an_unreadable_filter_answers_400_and_no_file(client, books):
    response = client.get("/invoices/export.csv?issued_to=soon")
    assert response.status_code == 400 and response.mimetype == "text/html"


def test_exported_cells_never_run_as_formulas(client, auth):
    owner = auth.login()
    evil = add_customer(owner.organization_id, '=HYPERLINK("http://evil.example","Click")', "@evil.example")
    add_invoice(evil, "INV-0100", 100)
    db.session.commit()
    invoices = client.get("/invoices/export.csv").get_data(as_text=True)
    customers = client.get("/customers/export.csv").get_data(as_text=True)
    for text in (invoices, customers):
        row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1]
        assert "'=HYPERLINK(\"http://evil.example\",\"Click\")" in row and "'@evil.example" in row


def test_members_export_too_and_the_customers_export_follows_the_search(client, auth, books):
    auth.login(auth.create_member(books))
    text = client.get("/customers/export.csv?q=acme").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["Name"], r["E-mail"], r["Currency"]) for r in rows] == [("Acme Ltd", "billing@acme.example", "USD")]
    assert client.get("/invoices/export.csv").status_code == 200


def test_another_organizations_rows_never_appear_in_a_list_a_search_or_an_export(client, auth, books):
    auth.login(auth.create_owner(organization="Other Ltd"))
    for url in ("/invoices/", "/invoices/?q=acme", "/invoices/?q=INV", "/invoices/?q=120.00", "/customers/",
                "/customers/?q=acme", "/contracts/?q=acme", "/invoices/export.csv", "/customers/export.csv",
                "/invoices/export.csv?q=acme"):
        text = client.get(url).get_data(as_text=True)
        for leaked in ("Acme Ltd", "Globex", "INV-0001", "acme.example"):
            assert leaked not in text, (url, leaked)


def test_the_list_costs_the_same_few_queries_for_many_customers(client, books):
    from sqlalchemy import event

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        client.get("/invoices/?sort=customer")
        client.get("/contracts/")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) <= 8
