"""docs/sandbox-differences.md lists every behaviour the sandbox (or localstripe) knowingly answers
otherwise than Stripe, each with its test. Read the tests' source rather than collecting them, so a
new `test_known_difference_*`, a new test in test_sandbox_known_differences.py or a new strict
localstripe xfail fails here until the catalogue names it, and a row naming a vanished test fails too."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = (ROOT / "docs" / "sandbox-differences.md").read_text()
KNOWN_DIFFERENCES_FILE = "tests/sandbox/test_sandbox_known_differences.py"
LOCALSTRIPE_FILE = "tests/contract/test_sandbox_and_localstripe_agree.py"


def functions_in(path):
    tree = ast.parse((ROOT / path).read_text())
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]


def every_test_file():
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("test_*.py"))


def known_differences():
    found = [f"{KNOWN_DIFFERENCES_FILE}::{f.name}" for f in functions_in(KNOWN_DIFFERENCES_FILE)]
    for path in every_test_file():
        found += [f"{path}::{f.name}" for f in functions_in(path) if f.name.startswith("test_known_difference")]
    return sorted(set(found))


def localstripe_differences():
    """Tests that mark their localstripe run a strict xfail through differs_on_localstripe(...)."""
    return [f.name for f in functions_in(LOCALSTRIPE_FILE)
            if any(isinstance(call, ast.Call) and getattr(call.func, "id", None) == "differs_on_localstripe"
                   for call in ast.walk(f))]


def test_the_catalogue_finds_the_differences_it_should():
    """Guard against the collector silently finding nothing (a moved file, a renamed helper)."""
    assert len(known_differences()) >= 10
    assert f"{KNOWN_DIFFERENCES_FILE}::test_parameter_values_are_not_type_checked" in known_differences()
    assert "test_balance_lists_amounts_per_currency" in localstripe_differences()


def test_every_known_difference_of_the_sandbox_is_in_the_catalogue():
    missing = [node for node in known_differences() if f"`{node}`" not in CATALOGUE]
    assert missing == [], "add a row to docs/sandbox-differences.md for each"


def test_every_localstripe_difference_is_in_the_catalogue():
    missing = [name for name in localstripe_differences() if f"::{name}`" not in CATALOGUE]
    assert missing == [], "add each to the localstripe table of docs/sandbox-differences.md"


def test_every_test_the_catalogue_names_exists():
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", CATALOGUE)
    assert named
    stale = [f"{path}::{name}" for path, name in named
             if not (ROOT / path).exists() or name not in {f.name for f in functions_in(path)}]
    short = re.findall(r"`::(\w+)`", CATALOGUE)
    stale += [name for name in short if name not in {f.name for f in functions_in(LOCALSTRIPE_FILE)}]
    assert stale == []


def test_the_readme_links_the_catalogue():
    assert "docs/sandbox-differences.md" in (ROOT / "README.md").read_text()
