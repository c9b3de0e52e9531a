"""A Salesforce sandbox: a separate WSGI app that speaks enough of Salesforce's OAuth web-server
flow and REST API (query, describe, Opportunity PATCH, limits) for Light to be developed and
tested without Salesforce. No usable Python imitation exists (see ../shared/reference).

Never mounted in Light's production app. Run it with
`python -m salesforce_sandbox --port 12112 [--host 127.0.0.1]`, or serve `create_sandbox_app()`
yourself (tests do it in a thread). Its consumer key and secret are in state.py.
"""
from decimal import Decimal

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from .state import CONSUMER_KEY, CONSUMER_SECRET, Store
from .wire import SalesforceError, json_response

__all__ = ["create_sandbox_app", "Store", "CONSUMER_KEY", "CONSUMER_SECRET"]


def create_sandbox_app(store=None, *, demo=False):
    """Build the sandbox app around `store` (a fresh in-memory one by default); with `demo`, one
    org with a few contacts and open deals, for `make run`."""
    store = store or Store()
    if demo and not store.orgs:
        seed_demo(store)
    app = Flask(__name__)
    app.config["SANDBOX_STORE"] = store

    from . import api, control, oauth, ui
    for module in (api, oauth, control, ui):
        app.register_blueprint(module.bp)

    @app.before_request
    def lock_store():
        store.lock.acquire()

    @app.teardown_request
    def unlock_store(exc=None):
        store.lock.release()

    @app.errorhandler(SalesforceError)
    def salesforce_error(error):
        return json_response(error.body(), error.status)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if request.path.startswith(("/services/", "/_sandbox/")):
            return json_response([{"message": error.description, "errorCode": "NOT_FOUND"}], error.code)
        return error

    @app.errorhandler(Exception)
    def crash(error):
        app.logger.exception("sandbox error")
        return json_response([{"message": f"Sandbox crashed: {type(error).__name__}: {error}",
                               "errorCode": "UNKNOWN_EXCEPTION"}], 500)

    return app


def seed_demo(store):
    org = store.create_org(username="admin@sandbox-demo.example.com")
    contact = store.add(org, "Contact", Name="Grace Hopper", Email="grace@customer.example.com")
    account = store.add(org, "Account", Name="Hopper Industries")
    for name, amount in (("Hopper Industries: annual licence", "1200.00"), ("Hopper Industries: onboarding", "450.00")):
        deal = store.add(org, "Opportunity", Name=name, Amount=Decimal(amount),
                         AccountId=account["Id"], ContactId=contact["Id"])
        store.add(org, "OpportunityContactRole", OpportunityId=deal["Id"], ContactId=contact["Id"],
                  IsPrimary=True, Role="Decision Maker")
    return org
