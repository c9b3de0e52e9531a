"""Stripe's bracketed form parameters, parsed without a server."""
from stripe_sandbox.wire import parse_params, split_key


def test_split_key():
    assert split_key("line_items[0][price_data][currency]") == ["line_items", "0", "price_data", "currency"]
    assert split_key("expand[]") == ["expand", ""]
    assert split_key("limit") == ["limit"]


def test_nested_dicts_and_indexed_lists():
    pairs = [("line_items[0][price_data][currency]", "usd"),
             ("line_items[0][price_data][product_data][name]", "Invoice 1"),
             ("line_items[0][quantity]", "2"), ("line_items[1][quantity]", "1"),
             ("metadata[invoice]", "7"), ("expand[0]", "data.source"), ("expand[1]", "x")]
    assert parse_params(pairs) == {
        "line_items": [{"price_data": {"currency": "usd", "product_data": {"name": "Invoice 1"}},
                        "quantity": "2"}, {"quantity": "1"}],
        "metadata": {"invoice": "7"}, "expand": ["data.source", "x"]}


def test_empty_brackets_append():
    assert parse_params([("expand[]", "a"), ("expand[]", "b")]) == {"expand": ["a", "b"]}


def test_indexes_sort_numerically():
    pairs = [(f"enabled_events[{i}]", str(i)) for i in (10, 2, 1, 0)]
    assert parse_params(pairs)["enabled_events"] == ["0", "1", "2", "10"]
