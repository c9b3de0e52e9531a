"""The reconciliation view's per-line URLs come from one url_for per endpoint (light/banking/links.py)
and its forms share one CSRF field: each must still be exactly what url_for builds, under a
script root too, and a line's form must still post without JavaScript."""
import re

import pytest
from flask import url_for

from light.banking import links
from light.extensions import db
from light.reconciliation import matching
from tests.fixtures.owned.banking import seed_connection
from tests.fixtures.owned.reconciliation import bank_line, issued_invoice
from tests.fixtures.web import PASSWORD


@pytest.mark.parametrize("root", ["", "/light"])
def test_each_pattern_builds_what_url_for_builds(app, root):
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": root}):
        urls = links.line_urls()
        for ident in (1, 42, 2**31 - 1):
            line = urls.of(ident)
            for name in links.LINE_ACTIONS:
                assert getattr(line, name) == url_for(f"banking.{name}", line_id=ident)
            assert urls.invoice(ident) == url_for("invoices.show", invoice_id=ident)
            assert urls.payout(ident) == url_for("banking.payout", payout_id=ident)
        assert url_for("banking.accept", line_id=7).startswith(root + "/bank-reconciliation/")
        assert links.line_urls() is urls  # once a request


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_a_lines_form_posts_without_javascript_with_the_pages_one_token(client, auth):
    person = auth.create_owner()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"email": person.email, "password": PASSWORD, "csrf_token": token})
    account = seed_connection(person, "acct_rec_links01")[1]
    issued_invoice(person.organization_id, 4321, number="INV-0043")
    line = bank_line(account, 4321, description="card")
    matching.match_new(person.organization_id, [line.id])
    html = client.get(f"/bank-reconciliation/accounts/{account.id}").get_data(as_text=True)
    form = re.search(rf'<form method="post" action="(/bank-reconciliation/lines/{line.id}/accept)"[^>]*>'
                     r'<input type="hidden" name="csrf_token" value="([^"]+)">', html)
    assert form, "the Accept form carries its CSRF field"
    assert len(set(re.findall(r'name="csrf_token" value="([^"]+)"', html))) == 1
    response = client.post(form.group(1), data={"csrf_token": form.group(2)})  # a plain form post, no htmx
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(type(line), line.id).match_state == "matched"
