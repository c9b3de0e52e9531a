from flask import Blueprint

bp = Blueprint("banking", __name__, url_prefix="/bank-reconciliation")


@bp.record_once
def _register_connect_secrets(state) -> None:
    # Secrets of the Connect endpoint Light registered itself (see services.ensure_connect_webhook).
    from light.banking.services import registered_connect_secrets

    state.app.extensions.setdefault("light_connect_webhook_secrets", registered_connect_secrets)


from light.banking import jobs, routes, webhooks  # noqa: E402,F401
