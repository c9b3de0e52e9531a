"""Customers: plain values in, commit, domain errors out."""
from light.customers.forms import clean_customer
from light.customers.models import Customer
from light.errors import InvalidInput
from light.extensions import db


def create_customer(organization_id: int, form, *, prefix: str = "", commit: bool = True) -> Customer:
    values, errors = clean_customer(form, prefix)
    if errors:
        raise InvalidInput(errors)
    customer = Customer(organization_id=organization_id, **values)
    db.session.add(customer)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return customer


def update_customer(customer: Customer, form) -> Customer:
    values, errors = clean_customer(form)
    if errors:
        raise InvalidInput(errors)
    for key, value in values.items():
        setattr(customer, key, value)
    db.session.commit()
    return customer


def duplicate_email_warning(customer: Customer) -> str | None:
    """A warning, not a refusal: two customers may share an address (a group's accounts team),
    but more often the same customer was added twice."""
    others = (Customer.query.filter(Customer.organization_id == customer.organization_id,
                                    db.func.lower(Customer.email) == customer.email.lower(), Customer.id != customer.id)
              .order_by(Customer.id).limit(3).all())
    if not others:
        return None
    names = ", ".join(other.name for other in others)
    return (f"Note: {names} already {'has' if len(others) == 1 else 'have'} the e-mail {customer.email}. "
            f"Both are kept; if they are the same customer, use one of them from now on.")


def customers_of(organization_id: int) -> list[Customer]:
    return (Customer.query.filter_by(organization_id=organization_id)
            .order_by(db.func.lower(Customer.name), Customer.id).all())


def save_card(customer: Customer, *, payment_method_id: str, brand: str | None, last4: str | None) -> None:
    """Keep the card the customer just paid with for later invoices (no commit: the caller's
    transaction records the payment at the same time)."""
    customer.payment_method_id = payment_method_id
    customer.card_brand = (brand or "")[:30] or None
    customer.card_last4 = (last4 or "")[-4:] or None
