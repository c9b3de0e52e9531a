"""The sandbox's own pages, for `make run` and browser tests: each org's opportunities, with
Mark Closed Won / Closed Lost buttons and a form for a new deal (its contact as the primary role)."""
from decimal import Decimal, InvalidOperation

from flask import Blueprint, current_app, redirect, request
from markupsafe import escape

from .pages import hidden, page

bp = Blueprint("sf_ui", __name__)


def _store():
    return current_app.config["SANDBOX_STORE"]


@bp.get("/")
def home():
    store = _store()
    if "text/html" not in request.headers.get("Accept", ""):
        return {"sandbox": "salesforce", "oauth": "/services/oauth2/authorize", "api": "/services/data",
                "control": "/_sandbox/orgs", "pages": "/"}
    sections = "".join(_org_section(org) for org in store.orgs.values()) or "<p>No org yet.</p>"
    return page("Salesforce sandbox: opportunities", sections + """
<form method="post" action="/ui/orgs"><button type="submit">Add an org</button></form>""")


def _org_section(org):
    rows = "".join(
        f"<tr><td>{escape(o.get('Name') or '')}</td><td>{escape(str(o.get('Amount')))} "
        f"{escape(o.get('CurrencyIsoCode') or org.currency)}</td><td>{escape(o['StageName'])}</td><td>"
        f'<form method="post" action="/ui/orgs/{org.id}/opportunities/{o["Id"]}" style="display:inline">'
        f'<button name="stage" value="Closed Won">Mark Closed Won</button>'
        f'<button name="stage" value="Closed Lost">Mark Closed Lost</button></form></td></tr>'
        for o in org.objects["Opportunity"].values())
    kind = "Sandbox" if org.is_sandbox else "Production"
    return f"""<section><h2>{escape(org.username)} <small>({kind} org {org.id})</small></h2>
<table><thead><tr><th>Opportunity</th><th>Amount</th><th>Stage</th><th></th></tr></thead><tbody>{rows}</tbody></table>
<form method="post" action="/ui/orgs/{org.id}/opportunities"><fieldset><legend>New opportunity</legend>
<label for="name-{org.id}">Name</label><input type="text" id="name-{org.id}" name="name" value="New deal">
<label for="amount-{org.id}">Amount</label><input type="text" id="amount-{org.id}" name="amount" value="100.00">
<label for="email-{org.id}">Contact e-mail</label><input type="text" id="email-{org.id}" name="email"
 value="customer@example.com">{hidden("currency", org.currency)}
<button type="submit">Create opportunity</button></fieldset></form></section>"""


@bp.post("/ui/orgs")
def add_org():
    _store().create_org()
    return redirect("/", 303)


@bp.post("/ui/orgs/<org_id>/opportunities")
def add_opportunity(org_id):
    store, form = _store(), request.form
    org = store.orgs[org_id]
    try:
        amount = Decimal(form.get("amount", "0"))
    except InvalidOperation:
        amount = None
    deal = store.add(org, "Opportunity", Name=form.get("name") or "New deal", Amount=amount)
    if form.get("email"):
        contact = store.add(org, "Contact", Name=form["email"].split("@")[0], Email=form["email"])
        store.add(org, "OpportunityContactRole", OpportunityId=deal["Id"], ContactId=contact["Id"], IsPrimary=True,
                  Role="Decision Maker")
    return redirect("/", 303)


@bp.post("/ui/orgs/<org_id>/opportunities/<record_id>")
def change_stage(org_id, record_id):
    store = _store()
    org = store.orgs[org_id]
    store.set_stage(org, org.objects["Opportunity"][record_id], request.form.get("stage", "Closed Won"))
    return redirect("/", 303)
