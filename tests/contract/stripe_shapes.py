"""Check a JSON object from the sandbox against the two references for what real Stripe sends:

- stripe-python 16.1.0's annotated resource classes (generated from Stripe's OpenAPI spec for
  2026-10-28.endive): every field must be one the class names, with its JSON type, null only where
  the annotation is Optional, a closed enum's value one of its Literals; nested objects, lists,
  expandable fields and list objects are checked the same way, recursively;
- Stripe's own example object (tests/contract/fixtures/stripe-openapi-fixtures3.json): where the
  example has a value for a field, the sandbox's has the same JSON type.

Presence is not checked: stripe-python does not say which fields a given state omits.
"""
import ast
import functools
import importlib
import inspect
import json
import sys
import typing
from pathlib import Path

from stripe._list_object import ListObject
from stripe._object_classes import OBJECT_CLASSES
from stripe._stripe_object import StripeObject, UntypedStripeObject

EXAMPLES = json.loads((Path(__file__).parent / "fixtures" / "stripe-openapi-fixtures3.json").read_text())["resources"]
NoneType = type(None)


def resource_class(object_name):
    """stripe-python's class for an `object` value ("charge", "checkout.session", ...)."""
    found = OBJECT_CLASSES.get(object_name)
    if found is None:
        return None
    module, name = found
    return getattr(importlib.import_module(module), name)


@functools.cache
def _type_checking_names(module_name):
    """The names a module imports only under `if TYPE_CHECKING:` (its forward references)."""
    module = sys.modules[module_name]
    names = {}
    tree = ast.parse(inspect.getsource(module))
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    imported = importlib.import_module(statement.module)
                    for alias in statement.names:
                        names[alias.asname or alias.name] = getattr(imported, alias.name)
    return names


@functools.cache
def fields(klass):
    """{field: annotation} of a StripeObject class, forward references resolved."""
    module = sys.modules[klass.__module__]
    hints = {}
    for base in reversed(klass.__mro__):
        if base in (object, StripeObject, dict) or not issubclass(base, StripeObject):
            continue
        base_module = sys.modules[base.__module__]
        local = {"StripeObject": StripeObject, "ListObject": ListObject,
                 "UntypedStripeObject": UntypedStripeObject,
                 **_type_checking_names(base.__module__), **vars(base_module)}
        hints.update(typing.get_type_hints(base, globalns=vars(module), localns=local))
    return {name: hint for name, hint in hints.items()
            if not name.isupper() and not name.startswith("_") and typing.get_origin(hint) is not typing.ClassVar}


def json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


class Checker:
    def __init__(self):
        self.problems = []

    def object(self, value, klass, path):
        if not isinstance(value, dict):
            self.problems.append(f"{path}: {json_type(value)}, expected an object ({klass.__name__})")
            return
        known = fields(klass)
        for key, item in value.items():
            if key not in known:
                self.problems.append(f"{path}.{key}: {klass.__qualname__} has no such field")
                continue
            self.value(item, known[key], f"{path}.{key}")

    def value(self, value, hint, path):  # noqa: C901 - one branch per kind of annotation
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin is typing.Union:
            if value is None:
                if NoneType not in args:
                    self.problems.append(f"{path}: null, but the field is not nullable")
                return
            self._union(value, [a for a in args if a is not NoneType], path)
        elif value is None:
            if hint is not NoneType:
                self.problems.append(f"{path}: null, but the field is not nullable")
        elif origin is typing.Literal:
            if value not in args:
                self.problems.append(f"{path}: {value!r} is not one of {sorted(map(str, args))}")
        elif origin is list:
            if not isinstance(value, list):
                self.problems.append(f"{path}: {json_type(value)}, expected an array")
                return
            for index, item in enumerate(value):
                self.value(item, args[0] if args else typing.Any, f"{path}[{index}]")
        elif origin is not None and isinstance(origin, type) and issubclass(origin, ListObject):
            self._list_object(value, args[0] if args else None, path)
        elif origin is dict or origin is UntypedStripeObject or hint is UntypedStripeObject:
            if not isinstance(value, dict):
                self.problems.append(f"{path}: {json_type(value)}, expected a hash")
        elif isinstance(hint, type) and issubclass(hint, ListObject):
            self._list_object(value, None, path)
        elif isinstance(hint, type) and issubclass(hint, StripeObject):
            self.object(value, _by_object(value) or hint, path)
        elif hint is bool:
            if not isinstance(value, bool):
                self.problems.append(f"{path}: {json_type(value)}, expected a boolean")
        elif hint is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.problems.append(f"{path}: {json_type(value)}, expected an integer")
        elif hint is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.problems.append(f"{path}: {json_type(value)}, expected a number")
        elif hint is str:
            if not isinstance(value, str):
                self.problems.append(f"{path}: {json_type(value)}, expected a string")
        # typing.Any and anything stripe-python leaves untyped: nothing to check

    def _union(self, value, options, path):
        """The value must satisfy one of the options: `Union[str, Charge]` (expandable),
        `Union[Literal[...], str]` (an open enum), several resources (polymorphic)."""
        if len(options) == 1:
            self.value(value, options[0], path)
            return
        attempts = []
        for option in options:
            trial = Checker()
            trial.value(value, option, path)
            if not trial.problems:
                return
            attempts.append(trial.problems)
        best = min(attempts, key=len)
        self.problems.extend(best)

    def _list_object(self, value, item, path):
        if not isinstance(value, dict) or value.get("object") != "list":
            self.problems.append(f"{path}: expected a list object")
            return
        extra = set(value) - {"object", "data", "has_more", "url", "total_count"}
        if extra:
            self.problems.append(f"{path}: a list object has no {sorted(extra)}")
        for index, entry in enumerate(value.get("data") or []):
            self.value(entry, item or typing.Any, f"{path}.data[{index}]")


def _by_object(value):
    """An object that names itself (`"object": "charge"`) is checked as that class."""
    name = value.get("object") if isinstance(value, dict) else None
    return resource_class(name) if isinstance(name, str) else None


def against_sdk(body, klass=None):
    """Problems of a response body (an object or a list of them) against stripe-python."""
    checker = Checker()
    if isinstance(body, dict) and body.get("object") == "list":
        checker._list_object(body, None, "list")
        for index, entry in enumerate(body.get("data") or []):
            found = _by_object(entry) or klass
            if found is not None:
                checker.object(entry, found, f"data[{index}]")
        return checker.problems
    klass = _by_object(body) or klass
    if klass is None:
        return [f"no stripe-python class for {body.get('object')!r}"]
    checker.object(body, klass, body.get("object") or klass.__name__)
    if body.get("object") == "event":
        inner = body.get("data", {}).get("object", {})
        inner_class = _by_object(inner)
        if inner_class is not None:
            checker.object(inner, inner_class, "event.data.object")
    return checker.problems


def against_example(ours, example, path=""):
    """Problems of a sandbox object against Stripe's example of it: the same JSON type for every
    field both have a value for, recursively (a list's items against the example's first)."""
    problems = []
    if isinstance(ours, dict) and isinstance(example, dict):
        for key, value in ours.items():
            if key in example:
                problems += against_example(value, example[key], f"{path}.{key}" if path else key)
    elif isinstance(ours, list) and isinstance(example, list):
        if example:
            for index, item in enumerate(ours):
                problems += against_example(item, example[0], f"{path}[{index}]")
    elif None not in (ours, example) and json_type(ours) != json_type(example):
        # An expandable field: an id in one, the object in the other, is the same field.
        expandable = {json_type(ours), json_type(example)} == {"string", "object"}
        if not expandable:
            problems.append(f"{path}: {json_type(ours)}, Stripe's example has {json_type(example)}")
    return problems


def missing_from(ours, example, path=""):
    """Fields Stripe's example object has (recursively, through nested objects) that ours lacks."""
    missing = []
    if isinstance(ours, dict) and isinstance(example, dict):
        # A polymorphic object (a payment method, its details) has the hash of its own `type` only.
        other_type = example.get("type") if ours.get("type") != example.get("type") else None
        for key, value in example.items():
            where = f"{path}.{key}" if path else key
            if key == other_type:
                continue
            if key not in ours:
                missing.append(where)
            else:
                missing += missing_from(ours[key], value, where)
    return missing


def example_for(body):
    name = body.get("object") if isinstance(body, dict) else None
    return EXAMPLES.get(name) if name else None


def error_problems(body):
    """An error body against stripe-python's ErrorObject (Stripe's `{"error": {...}}`)."""
    from stripe._error_object import ErrorObject
    if set(body) != {"error"}:
        return [f"error body has {sorted(body)}"]
    error = body["error"]
    problems = Checker()
    problems.object(error, ErrorObject, "error")
    if error.get("type") not in ("api_error", "card_error", "idempotency_error", "invalid_request_error"):
        problems.problems.append(f"error.type: {error.get('type')!r}")
    return problems.problems
