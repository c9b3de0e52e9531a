"""Where each Stripe webhook goes, in one table.

An event reaches Light at one of two endpoints (light/plumbing/webhooks/routes.py): "connect", for
the bank feed's connected Stripe Accounts, or "integration", for an organization's own Stripe
account that collects its invoices. A row's type ends in "." to match a prefix. Events arrive
duplicated and out of order, so every handler is idempotent and re-reads from Stripe where order
matters."""
from light.banking import webhooks as bank_feed
from light.banking.services import registered_connect_secrets
from light.integrations.services import webhook_secrets_for
from light.invoices import webhooks as payments
from light.plumbing.webhooks.dispatch import Route, SigningSecrets

STRIPE_EVENTS = (
    Route("connect", "balance.available", bank_feed.feed_changed),
    Route("connect", "payout.", bank_feed.payout_changed),
    Route("connect", "charge.", bank_feed.feed_changed),
    Route("connect", "account.application.deauthorized", bank_feed.deauthorized),
    Route("integration", "checkout.session.completed", payments.checkout_session_completed),
    Route("integration", "checkout.session.async_payment_succeeded", payments.checkout_session_completed),
    Route("integration", "checkout.session.async_payment_failed", payments.checkout_async_payment_failed),
    Route("integration", "payment_intent.succeeded", payments.payment_intent_succeeded),
    Route("integration", "payment_intent.payment_failed", payments.payment_intent_failed),
    Route("integration", "charge.refunded", payments.charge_refunded),
    Route("integration", "charge.dispute.created", payments.charge_dispute_created),
    Route("integration", "charge.dispute.closed", payments.charge_dispute_closed),
)

# Who knows each endpoint's signing secrets: the Connect endpoint Light registered itself (besides
# STRIPE_CONNECT_WEBHOOK_SECRET), and each Stripe integration's own endpoint.
SIGNING_SECRETS = SigningSecrets(connect=registered_connect_secrets, integration=webhook_secrets_for)
