"""Plain-data validation of a customer: returns cleaned values and {field: message}."""
from light.auth.forms import clean_email, clean_name
from light.money import is_currency


def clean_customer(form, prefix: str = "") -> tuple[dict, dict]:
    """`prefix` lets the invoice and contract forms embed "New customer" fields
    (new_customer_name, …) and report their errors under those names."""
    errors: dict = {}
    name = clean_name(form.get(f"{prefix}name", ""), errors, f"{prefix}name", "the customer's name")
    email = clean_email(form.get(f"{prefix}email", ""), errors, f"{prefix}email")
    if f"{prefix}email" in errors and not (form.get(f"{prefix}email") or "").strip():
        errors[f"{prefix}email"] = "Enter the customer's e-mail address: invoices are sent there."
    currency = clean_currency_code(form.get(f"{prefix}currency"), errors, f"{prefix}currency")
    address = (form.get(f"{prefix}address") or "").strip()
    if len(address) > 1000:
        errors[f"{prefix}address"] = "Addresses are at most 1000 characters."
    return {"name": name, "email": email, "currency": currency, "address": address}, errors


def clean_currency_code(raw, errors: dict, field: str = "currency") -> str:
    """A currency Stripe can charge in (an unknown code, like XYZ, it can't)."""
    currency = str(raw or "").strip().upper()
    if not is_currency(currency):
        errors[field] = "Choose a currency from the list, like USD."
    return currency
