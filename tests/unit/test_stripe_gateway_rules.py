"""Light names the Stripe API version it speaks in one place, it is the SDK's own, and every
request carries it (seen by a small local server standing in for Stripe)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import stripe
from stripe._api_version import _ApiVersion

from light.plumbing.stripe_gateway import client


def test_light_pins_the_version_its_stripe_sdk_speaks():
    assert client.STRIPE_API_VERSION == _ApiVersion.CURRENT == stripe.api_version


def test_every_request_asks_for_the_pinned_version():
    seen = []

    class Stripe(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("Stripe-Version"))
            body = json.dumps({"object": "balance", "available": [], "pending": [], "livemode": False}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Stripe)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        gateway = client.StripeGateway("sk_test_versionpin000", api_base=f"http://127.0.0.1:{server.server_port}")
        gateway.balance()
    finally:
        server.shutdown()
    assert seen == [client.STRIPE_API_VERSION]


def test_a_retry_follows_stripe_should_retry_and_never_replays_a_saved_5xx():
    def error(status, should=None):
        return stripe.APIError("boom", http_status=status, headers={"Stripe-Should-Retry": should} if should else {})

    assert client._worth_retrying(error(500, "true"), keyed=True)
    assert not client._worth_retrying(error(503, "false"), keyed=False)
    assert not client._worth_retrying(error(500), keyed=True)  # saved under its key: replayed for 24 h
    assert client._worth_retrying(error(500), keyed=False)
    assert client._worth_retrying(stripe.APIConnectionError("no answer"), keyed=True)
