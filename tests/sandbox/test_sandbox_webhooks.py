"""Events are recorded and delivered signed to a real local receiver, with retries,
duplicates and reordering on demand."""
import hashlib
import hmac
import json

import stripe

from light.plumbing.stripe_gateway import StripeGateway


def client(stripe_sandbox, key, **options):
    return stripe.StripeClient(key, base_addresses={"api": stripe_sandbox.url},
                               max_network_retries=0, **options)


def endpoint(sandbox, url, events=("*",), **extra):
    return sandbox.v1.webhook_endpoints.create(params={"url": url, "enabled_events": list(events), **extra})


def make_customers(sandbox, *names):
    return [sandbox.v1.customers.create(params={"name": n}) for n in names]


def test_the_secret_is_shown_only_at_creation(stripe_sandbox, sandbox_key):
    sandbox = client(stripe_sandbox, sandbox_key)
    created = endpoint(sandbox, "http://127.0.0.1:9/hook")
    assert created.secret.startswith("whsec_")
    assert "secret" not in sandbox.v1.webhook_endpoints.retrieve(created.id)
    assert all("secret" not in e for e in sandbox.v1.webhook_endpoints.list().data)
    sandbox.v1.webhook_endpoints.delete(created.id)
    assert sandbox.v1.webhook_endpoints.list().data == []


def test_events_are_signed_with_the_endpoint_secret(stripe_sandbox, sandbox_key, webhook_receiver):
    sandbox = client(stripe_sandbox, sandbox_key)
    secret = endpoint(sandbox, webhook_receiver.url, ["customer.created"]).secret
    [customer] = make_customers(sandbox, "Ada")
    [delivery] = webhook_receiver.wait_for(1)
    header = delivery["headers"]["Stripe-Signature"]
    timestamp, signature = (part.split("=", 1)[1] for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + delivery["body"],
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    event = StripeGateway.parse_event(delivery["body"], header, secret)
    assert event.type == "customer.created" and event.object["id"] == customer.id
    assert event.account is None and event.livemode is False
    assert sandbox.v1.events.retrieve(event.id).type == "customer.created"


def test_only_enabled_events_are_delivered(stripe_sandbox, sandbox_key, webhook_receiver):
    sandbox = client(stripe_sandbox, sandbox_key)
    endpoint(sandbox, webhook_receiver.url, ["customer.updated"])
    [customer] = make_customers(sandbox, "Ada")
    sandbox.v1.customers.update(customer.id, params={"name": "Ada L."})
    webhook_receiver.wait_for(1)
    assert [e["type"] for e in webhook_receiver.events()] == ["customer.updated"]


def test_a_failing_endpoint_is_retried_until_it_answers_2xx(stripe_sandbox, sandbox_key, webhook_receiver):
    webhook_receiver.statuses = [500, 503]
    sandbox = client(stripe_sandbox, sandbox_key)
    endpoint(sandbox, webhook_receiver.url, ["customer.created"])
    make_customers(sandbox, "Ada")
    deliveries = webhook_receiver.wait_for(3)
    assert len({json.loads(d["body"])["id"] for d in deliveries}) == 1


def test_the_duplicate_switch_delivers_each_event_twice(stripe_sandbox, sandbox_key, webhook_receiver):
    stripe_sandbox.delivery(duplicate=True)
    sandbox = client(stripe_sandbox, sandbox_key)
    endpoint(sandbox, webhook_receiver.url, ["customer.created"])
    make_customers(sandbox, "Ada", "Grace")
    webhook_receiver.wait_for(4)
    ids = [e["id"] for e in webhook_receiver.events()]
    assert len(ids) == 4 and len(set(ids)) == 2


def test_the_out_of_order_switch_sends_newer_events_first(stripe_sandbox, sandbox_key, webhook_receiver):
    stripe_sandbox.delivery(out_of_order=True)
    sandbox = client(stripe_sandbox, sandbox_key)
    endpoint(sandbox, webhook_receiver.url, ["customer.created"])
    customers = make_customers(sandbox, "Ada", "Grace", "Alan")
    stripe_sandbox.control("POST", "events/flush")
    webhook_receiver.wait_for(3)
    delivered = [e["data"]["object"]["id"] for e in webhook_receiver.events()]
    assert delivered == [c.id for c in reversed(customers)]


def test_connect_endpoints_get_connected_accounts_events_with_the_account(stripe_sandbox, sandbox_key, webhook_receiver):
    platform = client(stripe_sandbox, sandbox_key)
    endpoint(platform, webhook_receiver.url, ["customer.created"], connect=True)
    token = stripe_sandbox.connect_account(sandbox_key, demo=False)
    connected = client(stripe_sandbox, sandbox_key, stripe_account=token["stripe_user_id"])
    make_customers(connected, "Connected customer")
    make_customers(platform, "Platform customer")  # a platform event: not for connect endpoints
    webhook_receiver.wait_for(1)
    events = webhook_receiver.events()
    assert [(e["type"], e["account"]) for e in events] == [("customer.created", token["stripe_user_id"])]


def test_events_are_listed_newest_first(stripe_sandbox, sandbox_key):
    sandbox = client(stripe_sandbox, sandbox_key)
    make_customers(sandbox, "Ada", "Grace")
    events = sandbox.v1.events.list(params={"type": "customer.created"}).data
    assert [e.data.object.name for e in events] == ["Grace", "Ada"]
    assert all(e.api_version and e.object == "event" for e in events)


def test_redeliver_sends_an_event_again(stripe_sandbox, sandbox_key, webhook_receiver):
    sandbox = client(stripe_sandbox, sandbox_key)
    endpoint(sandbox, webhook_receiver.url, ["customer.created"])
    make_customers(sandbox, "Ada")
    webhook_receiver.wait_for(1)
    [first] = webhook_receiver.events()
    stripe_sandbox.control("POST", "events/redeliver", api_key=sandbox_key, event=first["id"])
    webhook_receiver.wait_for(2)
    assert [e["id"] for e in webhook_receiver.events()] == [first["id"]] * 2
