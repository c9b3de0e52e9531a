"""House rules that a refactor could quietly break."""
import ast
import pathlib

LIGHT = pathlib.Path(__file__).resolve().parents[2] / "light"


def _imports(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_gateway_client_imports_the_stripe_sdk():
    importers = sorted(str(p.relative_to(LIGHT)) for p in LIGHT.rglob("*.py") if "stripe" in _imports(p))
    assert importers == ["stripe_gateway/client.py"]


def test_only_the_mail_module_talks_smtp():
    importers = sorted(str(p.relative_to(LIGHT)) for p in LIGHT.rglob("*.py") if "smtplib" in _imports(p))
    assert importers == ["mail/__init__.py"]


def test_the_production_app_never_mounts_the_sandbox():
    for path in LIGHT.rglob("*.py"):
        if "sandbox" in path.parts:
            continue
        assert "light.sandbox" not in path.read_text(), f"{path} reaches into the sandbox"


def test_no_route_of_the_production_app_reaches_the_sandbox_control_api():
    from light import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "STRIPE_SANDBOX": True})
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        assert not view.__module__.startswith("light.sandbox"), f"{rule} is served by {view.__module__}"
        assert not rule.rule.startswith(("/_sandbox", "/v1/", "/oauth/")), f"{rule} looks like the sandbox's"
