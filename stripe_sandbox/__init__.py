"""A Stripe sandbox: a separate WSGI app that speaks enough of Stripe's API, Connect OAuth,
hosted Checkout and webhooks for Light to be developed and tested without Stripe.

Never mounted in Light's production app. Run it with
`python -m stripe_sandbox --port 12111 [--host 127.0.0.1] [--state-file PATH]`, or serve
`create_sandbox_app()` yourself (tests do it in a thread).
"""
import atexit
import os
import threading
import time

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from .events import Dispatcher
from .state import API_VERSION, Store, random_token
from .wire import StripeError, json_response

__all__ = ["create_sandbox_app", "Store"]


def create_sandbox_app(store=None, *, state_file=None, deliver_webhooks=True):
    """Build the sandbox app around `store` (a fresh in-memory one by default).

    With `state_file`, the state is loaded from it if it exists and pickled back to it about a
    second after each change and at exit.
    """
    if store is None:
        store = Store.load(state_file) if state_file and os.path.exists(state_file) else Store()
    if deliver_webhooks and store.dispatcher is None:
        store.dispatcher = Dispatcher(store)
    app = Flask(__name__)
    app.config["SANDBOX_STORE"] = store

    from . import api, apps, bank_debit, checkout, collect, control, oauth  # noqa: F401  (collect, bank_debit add routes)
    app.register_blueprint(api.bp)
    app.register_blueprint(apps.bp)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(checkout.bp)
    app.register_blueprint(control.bp)

    @app.before_request
    def lock_store():
        g.request_id = f"req_{random_token(14)}"
        store.lock.acquire()
        g.locked = True

    @app.teardown_request
    def unlock_store(exc=None):
        if g.pop("locked", False):
            store.lock.release()

    @app.after_request
    def stamp(response):
        response.headers["Request-Id"] = g.get("request_id", "")
        # The version the request asked for (validated in api.before_v1), else the default.
        response.headers["Stripe-Version"] = g.get("api_version") or API_VERSION
        if request.method != "GET":
            store.dirty = True
        if store.journal is not None and request.path.startswith(("/v1/", "/oauth/")):
            # What a client received, for tests that check every answer against Stripe's shapes.
            store.journal.append({"method": request.method, "path": request.path,
                                  "rule": request.url_rule.rule if request.url_rule else None,
                                  "status": response.status_code, "body": response.get_data()})
        return response

    @app.errorhandler(StripeError)
    def stripe_error(error):
        return json_response(error.body(), error.status, error.headers)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if request.path.startswith("/v1/") or request.path.startswith("/_sandbox/"):
            message = (f"Unrecognized request URL ({request.method}: {request.path}). Please see "
                       "https://stripe.com/docs or we can help at https://support.stripe.com/."
                       if error.code in (404, 405) else error.description)
            return json_response({"error": {"type": "invalid_request_error",
                                            "message": message}}, error.code)
        return error

    @app.errorhandler(Exception)
    def crash(error):
        app.logger.exception("sandbox error")
        return json_response({"error": {"type": "api_error", "message":
                                        f"Sandbox crashed: {type(error).__name__}: {error}"}}, 500)

    @app.get("/")
    def index():
        return jsonify({"sandbox": "stripe", "api": "/v1", "oauth": "/oauth/authorize",
                        "control": "/_sandbox/state"})

    if state_file:
        _keep_saved(store, state_file)
    return app


def _keep_saved(store, path):
    def loop():
        while True:
            time.sleep(1)
            if store.dirty:
                store.save(path)

    threading.Thread(target=loop, name="sandbox-state-file", daemon=True).start()
    atexit.register(lambda: store.save(path))
