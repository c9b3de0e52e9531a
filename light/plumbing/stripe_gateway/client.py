"""Light's one door to Stripe. The only module in Light that imports `stripe`.

It returns Light's own frozen dataclasses and raises Light's own exceptions, so routes, jobs and
services never see an SDK object. Every write takes an idempotency key derived from Light's own
record. 429s, 5xx and connection errors are retried here (exponential backoff with jitter,
`max_attempts` in all); the SDK's own retries are off so nothing is retried twice.
Secrets are never logged: log lines carry the operation name and Stripe's request id only.
"""
from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Iterator, Mapping

import stripe
from stripe import oauth_error as stripe_oauth_error

from light.plumbing.stripe_gateway.types import (
    Account,
    AuthenticationFailed,
    AuthenticationRequired,
    BalanceAmount,
    BalanceTransaction,
    CardDeclined,
    CheckoutSession,
    Customer,
    Event,
    GatewayError,
    IdempotencyConflict,
    InvalidRequest,
    OAuthError,
    PaymentIntent,
    PaymentMethod,
    Payout,
    PermissionDenied,
    RateLimited,
    Refund,
    SignatureInvalid,
    Unreachable,
    WebhookEndpoint,
    _id,
    to_account,
    to_balance_transaction,
    to_checkout_session,
    to_customer,
    to_payment_intent,
    to_payment_method,
    to_payout,
    to_refund,
)

log = logging.getLogger(__name__)

# The one Stripe API version Light speaks: every request asks for it, and every webhook endpoint
# Light creates delivers events in it, whatever the account's default. It is stripe-python's own
# (tests/unit/test_stripe_gateway_rules.py fails when an SDK upgrade moves it: read Stripe's changelog,
# then move this).
STRIPE_API_VERSION = "2026-10-28.endive"
BACKOFF_BASE = 0.5  # seconds; doubled per attempt, capped, with full jitter
BACKOFF_CAP = 8.0


def _plain(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


# -- the gateway ----------------------------------------------------------------------------------
class StripeGateway:
    def __init__(self, api_key, *, api_base="https://api.stripe.com",
                 connect_base="https://connect.stripe.com", stripe_account=None, max_attempts=5,
                 sleep=time.sleep, on_expired=None):
        """`on_expired(key)`, for a key that expires (a Stripe App's access token): called once
        when Stripe answers 401 to `key`; returns the key to retry with (or raises)."""
        if not api_key:
            raise AuthenticationFailed("No Stripe secret key is configured.")
        self.stripe_account = stripe_account
        self.max_attempts = max(1, int(max_attempts))
        self.sleep = sleep
        self.on_expired = on_expired
        self._random = random.Random()
        self._bases = {"api": api_base.rstrip("/"), "connect": connect_base.rstrip("/")}
        self._use_key(api_key)

    def _use_key(self, api_key):
        self._api_key = api_key
        self._client = stripe.StripeClient(
            api_key, stripe_account=self.stripe_account, stripe_version=STRIPE_API_VERSION,
            base_addresses=dict(self._bases), max_network_retries=0)

    def __repr__(self):  # never show the key
        return f"<StripeGateway account={self.stripe_account or 'platform'}>"

    @classmethod
    def from_config(cls, config: Mapping, api_key=None, stripe_account=None, **kwargs):
        return cls(api_key or config.get("STRIPE_SECRET_KEY"),
                   api_base=config.get("STRIPE_API_BASE") or "https://api.stripe.com",
                   connect_base=config.get("STRIPE_CONNECT_BASE") or "https://connect.stripe.com",
                   stripe_account=stripe_account,
                   max_attempts=int(config.get("STRIPE_MAX_ATTEMPTS") or 5), **kwargs)

    # -- the retry loop and error translation ----------------------------------------------------
    def _call(self, operation: str, fn, *, resource: str | None = None):
        attempt, renewed = 0, False
        while True:
            attempt += 1
            try:
                return fn()
            except stripe.AuthenticationError as exc:
                # An access token that expired (or was revoked) gets one new one, then the same call.
                if self.on_expired is None or renewed:
                    raise self._translate(exc, resource) from exc
                log.info("stripe %s: 401 to an expiring key; renewing it once", operation)
                self._use_key(self.on_expired(self._api_key))
                renewed = True
            except stripe.RateLimitError as exc:
                if attempt >= self.max_attempts:
                    raise RateLimited("Stripe is receiving too many requests; try again in a "
                                      "minute.") from exc
                self._backoff(operation, attempt, exc)
            except (stripe.APIConnectionError, stripe.APIError) as exc:
                if attempt >= self.max_attempts or not _worth_retrying(exc, keyed=operation.endswith(".create")):
                    raise Unreachable("Stripe could not be reached; try again later.") from exc
                self._backoff(operation, attempt, exc)
            except stripe.StripeError as exc:
                raise self._translate(exc, resource) from exc

    def _backoff(self, operation, attempt, exc):
        delay = self._random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))
        log.warning("stripe %s attempt %d failed (%s %s, request %s); retrying in %.2fs",
                    operation, attempt, type(exc).__name__, getattr(exc, "http_status", None),
                    getattr(exc, "request_id", None), delay)
        self.sleep(delay)

    @staticmethod
    def _translate(exc, resource):
        message = getattr(exc, "user_message", None) or str(exc) or type(exc).__name__
        if isinstance(exc, stripe_oauth_error.OAuthError):
            body = exc.json_body or {}
            return OAuthError(body.get("error_description") or message,
                              error=body.get("error") or exc.code,
                              description=body.get("error_description"))
        error = getattr(exc, "error", None)
        code = getattr(error, "code", None) if error is not None else None
        if isinstance(exc, stripe.AuthenticationError):
            return AuthenticationFailed("Stripe rejected the API key (it may be wrong or revoked).")
        if isinstance(exc, stripe.PermissionError):
            if code == "account_invalid":
                return AuthenticationFailed("Access to this Stripe account was revoked.")
            return PermissionDenied("This Stripe key is not allowed to "
                                    f"read {resource or 'this resource'}.", resource=resource)
        if isinstance(exc, stripe.IdempotencyError):
            return IdempotencyConflict(message)
        if isinstance(exc, stripe.CardError):
            payment_intent = getattr(error, "payment_intent", None)
            pi_id = _id(_plain(payment_intent)) if payment_intent is not None else None
            # An issuer may also decline with decline_code=authentication_required: SCA as well.
            if "authentication_required" in (exc.code, getattr(error, "decline_code", None)):
                return AuthenticationRequired(message, payment_intent_id=pi_id)
            return CardDeclined(message, code=exc.code,
                                decline_code=getattr(error, "decline_code", None),
                                payment_intent_id=pi_id)
        if isinstance(exc, stripe.InvalidRequestError):
            return InvalidRequest(message, param=exc.param, code=exc.code)
        return GatewayError(message)

    @staticmethod
    def _key(idempotency_key):
        return {"idempotency_key": idempotency_key or f"light-{uuid.uuid4()}"}

    # -- reading / bank feed ---------------------------------------------------------------------
    def account(self) -> Account:
        return to_account(_plain(self._call(
            "account", lambda: self._client.v1.accounts.retrieve_current(), resource="account")))

    def balance(self) -> list[BalanceAmount]:
        d = _plain(self._call("balance", lambda: self._client.v1.balance.retrieve(),
                              resource="balance"))
        amounts: dict[str, dict[str, int]] = {}
        for kind in ("available", "pending"):
            for entry in d.get(kind) or ():
                amounts.setdefault(entry["currency"], {"available": 0, "pending": 0})
                amounts[entry["currency"]][kind] += entry["amount"]
        return [BalanceAmount(c, v["available"], v["pending"]) for c, v in sorted(amounts.items())]

    def _txn_page(self, params):
        # The bank feed's hot path (100,000 rows in a backfill): take the SDK's parsed JSON as it is
        # instead of building StripeObjects only to turn them back into dicts. Same SDK request,
        # auth, headers and error mapping; about a third of the time per page. The source comes
        # expanded: its payment intent, customer and metadata are what Bank Reconciliation matches on.
        params = {**params, "expand": ["data.source"]}
        response = self._call(
            "balance_transactions.list",
            lambda: self._client.raw_request("get", "/v1/balance_transactions", **params),
            resource="balance_transactions")
        page = response.data
        return [to_balance_transaction(d) for d in page["data"]], page["has_more"]

    def balance_transaction_pages(self, *, created_gte: int | None = None,
                                  payout: str | None = None,
                                  page_size=100) -> Iterator[list[BalanceTransaction]]:
        """Pages newest first, one list per API call."""
        params: dict = {"limit": page_size}
        if created_gte is not None:
            params["created"] = {"gte": int(created_gte)}
        if payout:
            params["payout"] = payout
        while True:
            txns, has_more = self._txn_page(params)
            if txns:
                yield txns
            if not has_more or not txns:
                return
            params["starting_after"] = txns[-1].id

    def balance_transaction(self, id) -> BalanceTransaction:
        return to_balance_transaction(_plain(self._call(
            "balance_transactions.retrieve",
            lambda: self._client.v1.balance_transactions.retrieve(id, params={"expand": ["source"]}),
            resource="balance_transactions")))

    def balance_transactions_since(self, newest_known_id,
                                   page_size=100) -> Iterator[list[BalanceTransaction]]:
        """Only transactions newer than `newest_known_id`, OLDEST FIRST: each page is in
        chronological order and pages follow each other chronologically, so a sync that stops
        half way can resume from the newest id it stored."""
        params = {"limit": page_size, "ending_before": newest_known_id}
        while True:
            txns, has_more = self._txn_page(params)
            if not txns:
                return
            txns.reverse()
            yield txns
            if not has_more:
                return
            params["ending_before"] = txns[-1].id

    def payout(self, id) -> Payout:
        return to_payout(_plain(self._call("payouts.retrieve",
                                           lambda: self._client.v1.payouts.retrieve(id),
                                           resource="payouts")))

    # -- Connect OAuth ---------------------------------------------------------------------------
    def deauthorize(self, client_id, stripe_user_id) -> None:
        self._call("oauth.deauthorize", lambda: self._client.oauth.deauthorize(
            params={"client_id": client_id, "stripe_user_id": stripe_user_id}))

    # -- collecting ------------------------------------------------------------------------------
    def create_customer(self, *, name, email, metadata, idempotency_key) -> Customer:
        params = {"name": name, "email": email, "metadata": dict(metadata or {})}
        options = self._key(idempotency_key)  # the same key for every retry
        return to_customer(_plain(self._call("customers.create", lambda: self._client.v1.customers.create(
            params=params, options=options), resource="customers")))

    def allows(self, path: str, resource: str) -> bool:
        """Whether this key may write `resource`, asked without changing anything: a POST to an
        object that doesn't exist answers 404 when the key may write there, 403 when not."""
        try:
            self._call(f"{resource}.permission", lambda: self._client.raw_request("post", path), resource=resource)
        except PermissionDenied:
            return False
        except InvalidRequest:
            return True
        return True

    def customer(self, id) -> Customer:
        return to_customer(_plain(self._call("customers.retrieve", lambda: self._client.v1.customers.retrieve(id),
                                             resource="customers")))

    def payment_methods(self, customer_id) -> list[PaymentMethod]:
        """The customer's saved cards (GET /v1/payment_methods?customer=…&type=card)."""
        methods, params = [], {"customer": customer_id, "type": "card", "limit": 100}
        while True:
            page = _plain(self._call(
                "payment_methods.list",
                lambda: self._client.v1.payment_methods.list(params=dict(params)),
                resource="payment_methods"))
            methods.extend(to_payment_method(d) for d in page["data"])
            if not page["has_more"] or not page["data"]:
                return methods
            params["starting_after"] = page["data"][-1]["id"]

    def create_checkout_session(self, *, customer_id, currency, lines, success_url, cancel_url,
                                metadata, save_payment_method: bool, idempotency_key,
                                expires_at=None) -> CheckoutSession:
        params: dict = {
            "mode": "payment", "customer": customer_id, "success_url": success_url,
            "cancel_url": cancel_url, "metadata": dict(metadata or {}),
            "line_items": [{"price_data": {"currency": currency, "unit_amount": int(unit_amount),
                                           "product_data": {"name": name}},
                            "quantity": int(quantity)} for name, unit_amount, quantity in lines],
            "payment_intent_data": {"metadata": dict(metadata or {})},
            # Cards only, named with the parameter 2026-10-28.endive accepts (payment_method_types
            # is gone from Checkout since endive). Light saves what Checkout collected and later
            # charges it off-session the same day an invoice falls due; it shows it as a card
            # (brand, last 4) and handles a card's SCA. A bank debit takes days to settle and
            # needs a mandate, and Link or wallets would be charged differently: with dynamic
            # payment methods the customer could pick one Light can't reuse.
            "allowed_payment_method_types": ["card"],
        }
        if save_payment_method:
            params["payment_intent_data"]["setup_future_usage"] = "off_session"
        if expires_at is not None:
            params["expires_at"] = int(expires_at)
        options = self._key(idempotency_key)  # the same key for every retry
        return to_checkout_session(_plain(self._call(
            "checkout.sessions.create", lambda: self._client.v1.checkout.sessions.create(
                params=params, options=options), resource="checkout_sessions")))

    def checkout_session(self, id) -> CheckoutSession:
        return to_checkout_session(_plain(self._call(
            "checkout.sessions.retrieve", lambda: self._client.v1.checkout.sessions.retrieve(id),
            resource="checkout_sessions")))

    def charge_saved_payment_method(self, *, customer_id, payment_method_id, amount, currency,
                                    metadata, idempotency_key) -> PaymentIntent:
        """Charge a saved card with the customer away (off_session, confirm).

        Raises CardDeclined, or AuthenticationRequired when the bank wants the customer present
        (a 402 from Stripe; also a 200 `requires_action`, which some imitations answer)."""
        # No redirects: the customer isn't there to follow one, and with automatic payment
        # methods on (the default since 2023-08-16) Stripe otherwise wants a return_url to confirm.
        params = {"amount": int(amount), "currency": currency, "customer": customer_id,
                  "payment_method": payment_method_id, "off_session": True, "confirm": True,
                  "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
                  "metadata": dict(metadata or {})}
        options = self._key(idempotency_key)  # the same key for every retry
        intent = to_payment_intent(_plain(self._call(
            "payment_intents.create", lambda: self._client.v1.payment_intents.create(
                params=params, options=options), resource="payment_intents")))
        if intent.status == "requires_action":
            raise AuthenticationRequired("The customer's bank requires them to authenticate this "
                                         "payment.", payment_intent_id=intent.id)
        return intent

    def payment_intents(self, customer_id) -> list[PaymentIntent]:
        """The customer's most recent payments (up to 100), newest first."""
        page = _plain(self._call("payment_intents.list", lambda: self._client.v1.payment_intents.list(
            params={"customer": customer_id, "limit": 100}), resource="payment_intents"))
        return [to_payment_intent(d) for d in page["data"]]

    def payment_intent(self, id) -> PaymentIntent:
        return to_payment_intent(_plain(self._call(
            "payment_intents.retrieve", lambda: self._client.v1.payment_intents.retrieve(id),
            resource="payment_intents")))

    def refunds_of_charge(self, charge_id) -> list[Refund]:
        """The charge's refunds (up to 100), newest first: a charge.refunded event names the charge,
        and its `refunds` list is no longer sent with it (API 2022-11-15)."""
        page = _plain(self._call("refunds.list", lambda: self._client.v1.refunds.list(
            params={"charge": charge_id, "limit": 100}), resource="refunds"))
        return [to_refund(d) for d in page["data"]]

    def refund(self, *, payment_intent_id, amount=None, idempotency_key) -> Refund:
        params: dict = {"payment_intent": payment_intent_id}
        if amount is not None:
            params["amount"] = int(amount)
        options = self._key(idempotency_key)  # the same key for every retry
        return to_refund(_plain(self._call("refunds.create", lambda: self._client.v1.refunds.create(
            params=params, options=options), resource="refunds")))

    def create_webhook_endpoint(self, *, url, events, connect=False,
                                idempotency_key=None) -> WebhookEndpoint:
        params: dict = {"url": url, "enabled_events": list(events), "api_version": STRIPE_API_VERSION}
        if connect:
            params["connect"] = True
        options = self._key(idempotency_key)  # one key for every retry of this call
        d = _plain(self._call("webhook_endpoints.create", lambda: self._client.v1.webhook_endpoints.create(
            params=params, options=options), resource="webhook_endpoints"))
        return WebhookEndpoint(id=d["id"], url=d["url"], secret=d.get("secret"))

    def update_webhook_endpoint_events(self, id, *, events, idempotency_key) -> WebhookEndpoint:
        """Subscribe an endpoint Light registered to `events` (its secret stays as it was)."""
        params = {"enabled_events": list(events)}
        options = self._key(idempotency_key)
        d = _plain(self._call("webhook_endpoints.update", lambda: self._client.v1.webhook_endpoints.update(
            id, params=params, options=options), resource="webhook_endpoints"))
        return WebhookEndpoint(id=d["id"], url=d["url"], secret=None)

    def delete_webhook_endpoint(self, id) -> None:
        self._call("webhook_endpoints.delete", lambda: self._client.v1.webhook_endpoints.delete(id),
                   resource="webhook_endpoints")

    # -- webhooks ----------------------------------------------------------------------------------
    @staticmethod
    def parse_event(payload: bytes, signature_header: str, secret: str, tolerance=300) -> Event:
        """Verify and read a webhook. stripe-python only refuses signatures older than the
        tolerance; one signed further in the future is refused here too (a clock that far
        ahead, or a replay prepared in advance)."""
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SignatureInvalid("The webhook body is not UTF-8 text.") from exc
        try:
            stripe.WebhookSignature.verify_header(text, signature_header, secret, tolerance)
        except stripe.SignatureVerificationError as exc:
            raise SignatureInvalid("The webhook signature does not match.") from exc
        if tolerance and _signed_at(signature_header) > time.time() + tolerance:
            raise SignatureInvalid("The webhook signature's timestamp is in the future.")
        try:
            body = json.loads(text)
            return Event(id=body["id"], type=body["type"], account=body.get("account"),
                         livemode=bool(body.get("livemode")), created=int(body["created"]),
                         object=dict(body["data"]["object"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise SignatureInvalid("The webhook body is not a Stripe event.") from exc


def _worth_retrying(exc, *, keyed: bool) -> bool:
    """Whether the same request again could answer differently. Stripe says so in
    Stripe-Should-Retry when it can. Without it: a request that got no answer may be sent again
    (its idempotency key makes that safe); a 5xx to a write with a key was saved under that key,
    and for 24 h the same request only replays it."""
    should = ((getattr(exc, "headers", None) or {}).get("Stripe-Should-Retry") or "").lower()
    if should in ("true", "false"):
        return should == "true"
    if isinstance(exc, stripe.APIConnectionError):
        return True
    return not keyed


def _signed_at(signature_header: str) -> int:
    """The `t=` of a Stripe-Signature header (verify_header has checked that it is there)."""
    for item in signature_header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return 0
