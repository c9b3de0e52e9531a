"""gunicorn's access log without secrets: the Procfile's web process logs through this class
(`--logger-class light.plumbing.access_log.RedactingLogger`)."""
from gunicorn.glogging import Logger

from light.plumbing.redact import redact_url


class RedactingLogger(Logger):
    def __init__(self, cfg):
        super().__init__(cfg)
        # Gunicorn's default line, plus the request id Light answered with: the access line and the
        # application's own lines for one request share it (light/plumbing/request_ids.py).
        setting = cfg.settings["access_log_format"]
        if setting.value == setting.default:
            setting.set(setting.default + ' request_id=%({x-request-id}o)s')

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_url(atoms.get("U", "") + (f"?{atoms['q']}" if atoms.get("q") else ""))
        atoms["U"], atoms["q"] = path, ""
        atoms["r"] = f"{atoms.get('m', '-')} {path} {atoms.get('H', '-')}"
        atoms["f"] = redact_url(atoms.get("f", "-"))
        for key, value in atoms.items():  # environ and header atoms: %({raw_uri}e)s, %({referer}i)s, …
            if key.startswith("{") and isinstance(value, str) and ("uri" in key or "path" in key
                                                                   or "query" in key or "referer" in key):
                atoms[key] = redact_url(value) if "query" not in key else ("…" if value else "")
        return atoms
