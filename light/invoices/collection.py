"""What collecting an organization's invoices needs, resolved once per job: its published
Invoice-to-Cash workflow, its Stripe integration and a gateway to that Stripe account.

The charging, checkout and outcome modules take a Collection instead of looking these up again
for every invoice and every step."""
from dataclasses import dataclass, field

from light.customers.models import Customer
from light.errors import Refused
from light.extensions import db
from light.integrations.models import Integration
from light.integrations.services import active_stripe_integration, customer_exists, gateway_for
from light.invoices.models import Invoice
from light.plumbing.stripe_gateway import StripeGateway
from light.workflows.services import PublishedWorkflow, published_invoice_to_cash

AUTO_CHARGEABLE = ("issued", "overdue", "partially_paid")
# After a decline or an SCA request only a person (the team, or the customer on the pay page) retries.
MANUALLY_CHARGEABLE = AUTO_CHARGEABLE + ("action_required", "payment_failed")
PAYABLE = ("issued", "overdue", "partially_paid", "action_required", "payment_failed")


class CannotCollect(Refused):
    """Stripe can't collect this invoice now (no integration, or Stripe said no)."""


@dataclass
class Collection:
    organization_id: int
    workflow: PublishedWorkflow | None
    integration: Integration | None
    _gateway: StripeGateway | None = field(default=None, repr=False)

    @classmethod
    def of(cls, organization_id: int) -> "Collection":
        return cls(organization_id, published_invoice_to_cash(organization_id),
                   active_stripe_integration(organization_id))

    def step_on(self, key: str) -> bool:
        """Only a published workflow runs: without one, no step does."""
        return self.workflow is not None and self.workflow.is_on(key)

    @property
    def gateway(self) -> StripeGateway:
        """The organization's Stripe account, or CannotCollect with the reason to show."""
        if self.integration is None:
            raise CannotCollect("Stripe isn't connected: add it in Settings > Integrations.")
        if self._gateway is None:
            self._gateway = gateway_for(self.integration)
        return self._gateway


class Collections(dict):
    """One Collection per organization, for a job that walks invoices of many."""

    def __missing__(self, organization_id: int) -> Collection:
        self[organization_id] = Collection.of(organization_id)
        return self[organization_id]


def ensure_stripe_customer(customer: Customer, collection: Collection) -> Customer:
    """Create the customer in Stripe once per Stripe account: another account's key reaches a
    Stripe where the old customer and saved card don't exist, while the same account's key (a
    replaced key, or Stripe removed and added again) keeps them."""
    integration, gateway = collection.integration, collection.gateway
    if customer.stripe_customer_id and customer.stripe_account == integration.stripe_account:
        return customer
    if customer.stripe_customer_id and customer_exists(gateway, customer.stripe_customer_id):
        # Another key of the same Stripe account (a restricted key can't say which account it
        # is): the customer and the card saved on it are still there.
        customer.stripe_account = integration.stripe_account
        db.session.commit()
        return customer
    created = gateway.create_customer(name=customer.name, email=customer.email,
                                      metadata={"light_customer_id": str(customer.id)},
                                      idempotency_key=f"customer-{customer.id}-{integration.stripe_account}")
    customer.stripe_customer_id, customer.stripe_account = created.id, integration.stripe_account
    customer.payment_method_id = customer.card_brand = customer.card_last4 = None
    db.session.commit()
    return customer


def stripe_metadata(invoice: Invoice, charge: str) -> dict:
    return {"light_invoice_id": str(invoice.id), "light_organization_id": str(invoice.organization_id),
            "light_invoice_number": invoice.number or "", "light_charge": charge}
