"""House rules that a refactor could quietly break: read from the source, not by running it."""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIGHT = ROOT / "light"

# Imports that run inside a function on purpose: the factory wires the app's parts together when
# the app is built (so importing a service never drags in routes), and the RQ worker builds its
# app lazily. Nothing else imports inside a function.
FUNCTION_IMPORTS_ALLOWED = {"__init__.py"}
LONGEST_FUNCTION = 42


def _modules() -> dict[str, pathlib.Path]:
    modules = {}
    for path in LIGHT.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _tree(path: pathlib.Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _absolute(module: str, path: pathlib.Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[:len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imported(module: str, path: pathlib.Path, nodes) -> set[str]:
    """Every module name an import statement among `nodes` names (`from a import b` names a and a.b)."""
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, path, node)
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def _top_level_imports(module: str, path: pathlib.Path) -> set[str]:
    return _imported(module, path, _tree(path).body)


def _all_imports(module: str, path: pathlib.Path) -> set[str]:
    return _imported(module, path, ast.walk(_tree(path)))


def _function_imports(path: pathlib.Path) -> list[str]:
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found += [f"{path.relative_to(ROOT)}:{inner.lineno}" for inner in ast.walk(node)
                      if isinstance(inner, (ast.Import, ast.ImportFrom))]
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in a module graph, as the list of modules around it, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_a_cycle_and_only_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_there_is_no_import_cycle_inside_light():
    modules = _modules()
    graph = {name: {m for m in _top_level_imports(name, path) if m in modules and m != name}
             for name, path in modules.items()}
    assert find_cycle(graph) is None


def test_imports_sit_at_the_top_of_their_module():
    allowed = {LIGHT / name for name in FUNCTION_IMPORTS_ALLOWED}
    inside = [where for path in LIGHT.rglob("*.py") if path not in allowed for where in _function_imports(path)]
    assert inside == []


def test_light_never_imports_the_sandbox():
    for name, path in _modules().items():
        assert not any(m.split(".")[0] == "stripe_sandbox" for m in _all_imports(name, path)), name


def test_only_the_gateway_client_imports_the_stripe_sdk():
    importers = sorted(name for name, path in _modules().items()
                       if any(m.split(".")[0] == "stripe" for m in _all_imports(name, path)))
    assert importers == ["light.plumbing.stripe_gateway.client"]


def test_only_the_mail_module_talks_smtp():
    importers = sorted(name for name, path in _modules().items() if "smtplib" in _all_imports(name, path))
    assert importers == ["light.plumbing.mail"]


def test_plumbing_never_imports_a_product_area():
    """Jobs, mail, webhooks, the gateway and crypto serve the areas; the areas' handlers reach them
    through the registries (light/schedule.py, light/stripe_events.py), which the factory installs."""
    shared = ("light.plumbing", "light.extensions", "light.utc", "light.urls", "light.ids", "light.errors",
              "light.config", "light.web")
    for name, path in _modules().items():
        if name.startswith("light.plumbing"):
            reached = {m for m in _top_level_imports(name, path) if m.split(".")[0] == "light" and m != "light"}
            # `from light import create_app` names light.create_app: the worker builds its app.
            strays = {m for m in reached if not m.startswith(shared) and m != "light.create_app"}
            assert strays == set(), name


def test_pure_modules_import_neither_flask_nor_the_database():
    pure = ["light.money", "light.numbers", "light.invoices.totals", "light.contracts.periods", "light.workflows.steps",
            "light.banking.chart", "light.banking.categories", "light.reconciliation",
            "light.reconciliation.values", "light.reconciliation.wording", "light.reconciliation.candidates",
            "light.reconciliation.structural", "light.reconciliation.references", "light.reconciliation.amounts",
            "light.reconciliation.allocation", "light.reconciliation.engine", "light.statements.deposits",
            "light.statements.formats", "light.statements.formats.common", "light.statements.formats.csv_file",
            "light.statements.formats.ofx_file", "light.statements.formats.camt_file"]
    modules = _modules()
    for name in pure:
        roots = {m.split(".")[0] for m in _all_imports(name, modules[name])}
        assert not roots & {"flask", "flask_sqlalchemy", "sqlalchemy", "flask_login"}, name


def test_no_function_is_longer_than_the_house_limit():
    long = []
    for path in LIGHT.rglob("*.py"):
        for node in ast.walk(_tree(path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > LONGEST_FUNCTION:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert long == []


def test_blueprint_packages_do_not_import_their_routes():
    """The factory imports each area's routes when it registers the blueprint."""
    for path in LIGHT.rglob("__init__.py"):
        if path.parent == LIGHT:
            continue
        assert "routes" not in {m.rsplit(".", 1)[-1] for m in _top_level_imports("x", path)}, path


def test_no_route_of_the_production_app_reaches_the_sandbox_control_api():
    from light import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "STRIPE_SANDBOX": True,
                      "TESTING": True})
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        assert not view.__module__.startswith("stripe_sandbox"), f"{rule} is served by {view.__module__}"
        assert not rule.rule.startswith(("/_sandbox", "/v1/", "/oauth/")), f"{rule} looks like the sandbox's"


def test_only_the_gateways_talk_http_to_other_systems():
    """Salesforce is reached only through light/plumbing/salesforce_gateway, as Stripe through its own."""
    importers = sorted(name for name, path in _modules().items()
                       if {m.split(".")[0] for m in _all_imports(name, path)} & {"requests", "authlib"})
    assert all(name.startswith(("light.plumbing.stripe_gateway", "light.plumbing.salesforce_gateway"))
               for name in importers), importers
    assert "light.plumbing.salesforce_gateway.client" in importers
