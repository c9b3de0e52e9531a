"""Events: recorded per account and delivered, signed like Stripe, from a background thread."""
import collections
import copy
import hashlib
import heapq
import hmac
import json
import queue
import threading
import time

import requests
from flask import g, has_request_context

from .state import API_VERSION
from .versions import shape_event

# Captured in a dict so freezegun (which rewrites module-level time functions) cannot freeze the
# delivery scheduler along with the clock a test is moving.
_REAL = {"monotonic": time.monotonic}
RETRY_DELAYS = (0.2, 0.5, 1.0)  # seconds between attempts; 4 attempts in all
REORDER_WINDOW = 1.0  # out-of-order mode holds deliveries this long (or until flushed), then sends them newest first


def emit(store, account, type, obj, *, platforms=None):
    """Record an event on `account` and queue it for every endpoint that wants it.

    `platforms` names platforms to notify even though the connection is already gone
    (account.application.deauthorized).
    """
    event = {
        "id": store.new_id("evt"), "object": "event", "api_version": API_VERSION,
        "created": store.now(), "data": {"object": _public(copy.deepcopy(obj))},
        "livemode": account.livemode, "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None}, "type": type,
    }
    if has_request_context():
        event["request"] = {"id": getattr(g, "request_id", None),
                            "idempotency_key": getattr(g, "idempotency_key", None)}
    # Connect platforms and the owners of Stripe Apps installed on the account hear its events.
    notified = set(account.platforms) | {o for o in account.app_installs.values() if o} | set(platforms or ())
    if notified:
        event["account"] = account.id
    account["events"].add(event, store.next_seq())
    targets = endpoints_for(store, account, type, notified)
    event["pending_webhooks"] = len(targets)
    if store.dispatcher is not None and targets:
        store.dispatcher.enqueue(event, targets)
    return event


def _public(obj):
    """Without the sandbox's private `_` fields, as the API shows objects."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def _wants(endpoint, type):
    events = endpoint["enabled_events"]
    return endpoint["status"] == "enabled" and ("*" in events or type in events)


def endpoints_for(store, account, type, platforms):
    targets = []
    for endpoint in account["webhook_endpoints"].items:
        if not endpoint["_connect"] and _wants(endpoint, type):
            targets.append(endpoint)
    for platform_id in sorted(platforms):
        platform = store.accounts.get(platform_id)
        if platform is None:
            continue
        for endpoint in platform["webhook_endpoints"].items:
            if endpoint["_connect"] and _wants(endpoint, type):
                targets.append(endpoint)
    return [(endpoint["id"], endpoint["url"], endpoint["_secret"], endpoint.get("api_version"))
            for endpoint in targets]


def sign(body, secret, timestamp):
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class Dispatcher:
    """Delivers queued events; retries non-2xx answers a few times with a short backoff."""

    def __init__(self, store):
        self.store = store
        self.condition = threading.Condition()
        self.queue = []  # heap of (due, seq, delivery)
        self.held = []  # out-of-order mode: deliveries waiting to be sent reversed
        self.held_since = None
        self.counter = 0
        self.log = collections.deque(maxlen=10_000)
        self.senders = {}  # endpoint id -> queue of its deliveries, drained by its own thread
        self.inflight = 0
        self.thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
        self.thread.start()

    def enqueue(self, event, targets):
        """Queue `event` for `targets` ((endpoint id, url, secret, api_version) tuples). An endpoint
        created with `api_version` receives the event rendered in that version, with that
        `api_version`; one without gets it in the account's default version (as recorded)."""
        bodies = {}
        copies = 2 if self.store.delivery.get("duplicate") else 1
        with self.condition:
            for endpoint_id, url, secret, *rest in targets:
                version = (rest[0] if rest else None) or event["api_version"]
                if version not in bodies:
                    rendered = event if version == event["api_version"] else shape_event(event, version)
                    bodies[version] = json.dumps(rendered, indent=2).encode()
                body = bodies[version]
                for _ in range(copies):
                    delivery = {"event": event["id"], "type": event["type"], "endpoint": endpoint_id,
                                "url": url, "secret": secret, "body": body, "attempt": 0}
                    if self.store.delivery.get("out_of_order"):
                        self.held.append(delivery)
                        self.held_since = _REAL["monotonic"]()
                    else:
                        self._schedule(delivery, 0)
            self.condition.notify()

    def flush(self):
        """Release held deliveries, newest first."""
        with self.condition:
            for delivery in reversed(self.held):
                self._schedule(delivery, 0)
            self.held = []
            self.held_since = None
            self.condition.notify()

    def _schedule(self, delivery, delay):
        self.counter += 1
        heapq.heappush(self.queue, (_REAL["monotonic"]() + delay, self.counter, delivery))

    def pending(self):
        with self.condition:
            return len(self.queue) + len(self.held) + self.inflight

    def _next(self):
        with self.condition:
            while True:
                now = _REAL["monotonic"]()
                if self.held and now - self.held_since >= REORDER_WINDOW:
                    for delivery in reversed(self.held):
                        self._schedule(delivery, 0)
                    self.held, self.held_since = [], None
                if self.queue and self.queue[0][0] <= now:
                    return heapq.heappop(self.queue)[2]
                waits = [0.5]
                if self.queue:
                    waits.append(self.queue[0][0] - now)
                if self.held:
                    waits.append(self.held_since + REORDER_WINDOW - now)
                self.condition.wait(max(0.005, min(waits)))

    def _run(self):
        # Each endpoint gets its own sender: one slow or unreachable endpoint (Stripe gives up on
        # it after a timeout) never holds up deliveries to the others, and each endpoint still
        # receives its events in the order they were scheduled.
        while True:
            delivery = self._next()
            with self.condition:
                self.inflight += 1
                sender = self.senders.get(delivery["endpoint"])
                if sender is None:
                    sender = self.senders[delivery["endpoint"]] = queue.SimpleQueue()
                    threading.Thread(target=self._send_loop, args=(sender,), daemon=True,
                                     name=f"sandbox-webhooks-{delivery['endpoint']}").start()
            sender.put(delivery)

    def _send_loop(self, sender):
        while True:
            delivery = sender.get()
            status, error = self._send(delivery)
            delivery["attempt"] += 1
            self.log.append({"event": delivery["event"], "type": delivery["type"],
                             "endpoint": delivery["endpoint"], "url": delivery["url"],
                             "attempt": delivery["attempt"], "status": status, "error": error})
            with self.condition:
                self.inflight -= 1
                if not (status and 200 <= status < 300) and delivery["attempt"] <= len(RETRY_DELAYS):
                    self._schedule(delivery, RETRY_DELAYS[delivery["attempt"] - 1])
                self.condition.notify()

    def _send(self, delivery):
        timestamp = int(time.time())
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                   "Stripe-Signature": sign(delivery["body"], delivery["secret"], timestamp)}
        try:
            response = requests.post(delivery["url"], data=delivery["body"], headers=headers,
                                         timeout=5, allow_redirects=False)
            return response.status_code, None
        except requests.RequestException as exc:
            return None, type(exc).__name__
