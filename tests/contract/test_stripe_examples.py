"""Light's gateway reads Stripe's own example objects (tests/contract/fixtures/, from Stripe's
OpenAPI fixtures), and reads no field Stripe's objects don't have: an invented field (like the
`livemode` Light once read from an Account, which real Stripe doesn't send) fails here."""
import json
from pathlib import Path

import pytest

from light.plumbing.stripe_gateway import types

EXAMPLES = json.loads((Path(__file__).parent / "fixtures" / "stripe-openapi-fixtures3.json").read_text())["resources"]
CONVERTERS = {
    "balance_transaction": types.to_balance_transaction,
    "payout": types.to_payout,
    "account": types.to_account,
    "customer": types.to_customer,
    "payment_method": types.to_payment_method,
    "checkout.session": types.to_checkout_session,
    "payment_intent": types.to_payment_intent,
    "refund": types.to_refund,
}


class Reading(dict):
    """A Stripe object that remembers every key read from it, nested objects included."""

    def __init__(self, data, path="", seen=None):
        super().__init__(data)
        self.path, self.seen = path, seen if seen is not None else set()

    def _wrap(self, key, value):
        if isinstance(value, dict):
            return Reading(value, f"{self.path}{key}.", self.seen)
        if isinstance(value, list):
            return [Reading(v, f"{self.path}{key}.", self.seen) if isinstance(v, dict) else v for v in value]
        return value

    def __getitem__(self, key):
        self.seen.add(self.path + key)
        return self._wrap(key, super().__getitem__(key))

    def get(self, key, default=None):
        self.seen.add(self.path + key)
        return self._wrap(key, super().get(key, default))


def present(example, dotted):
    node = example
    for part in dotted.split("."):
        if isinstance(node, list):
            node = node[0] if node else {}
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


@pytest.mark.parametrize("resource", sorted(CONVERTERS))
def test_light_reads_stripes_own_example_and_no_field_it_lacks(resource):
    example = EXAMPLES[resource]
    reading = Reading(example)
    converted = CONVERTERS[resource](reading)
    assert converted.id == example["id"]
    invented = sorted(path for path in reading.seen if not present(example, path))
    # A field Stripe documents as expandable or optional may be absent from one example: list
    # those here with the reason, never silently.
    assert invented == OPTIONAL.get(resource, []), invented


# Read with .get() because Stripe omits them in some states; each exists in Stripe's API reference.
OPTIONAL = {
    "customer": ["deleted"],  # only on a deleted customer: see test_a_deleted_customer_is_read_as_deleted
    "payment_intent": ["last_payment_error.code"],  # an error's code is sent only for some errors
}


def test_a_deleted_customer_is_read_as_deleted():
    assert types.to_customer(EXAMPLES["deleted_customer"]).deleted is True
    assert types.to_customer(EXAMPLES["customer"]).deleted is False
