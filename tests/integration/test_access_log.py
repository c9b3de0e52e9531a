"""The Procfile's web process, for real: gunicorn's access log keeps tokens and codes out."""
import os
import pathlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _web_command() -> str:
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    return line.removeprefix("web:").strip()


def _get(url: str) -> None:
    try:
        urllib.request.urlopen(url, timeout=5).read()
    except urllib.error.HTTPError:
        pass  # a 404 is logged like any other answer


def test_the_web_process_logs_requests_without_their_tokens_or_query_strings(tmp_path):
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "1", "SECRET_KEY": "log-test",
           "LIGHT_ENCRYPTION_KEY": "", "LIGHT_INSTANCE_PATH": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path}/light.sqlite3", "REDIS_URL": "",
           "PATH": f"{pathlib.Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)  # the Procfile's release step
    web = subprocess.Popen(["bash", "-c", f"exec {_web_command()}"], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        _get(f"{base}/pay/s3cretPayToken?session_id=cs_s3cretSession")
        _get(f"{base}/invite/s3cretInvitation")
        _get(f"{base}/bank-reconciliation/connect/stripe/callback?code=ac_s3cretCode&state=x")
    finally:
        web.terminate()
        output, _ = web.communicate(timeout=30)
    assert '"GET /pay/…?… HTTP/1.1" 404' in output
    assert '"GET /invite/… HTTP/1.1"' in output
    assert '"GET /bank-reconciliation/connect/stripe/callback?… HTTP/1.1"' in output
    assert "s3cret" not in output
    assert all(" request_id=" in line and not line.endswith("request_id=-")
               for line in output.splitlines() if '"GET /' in line)  # the id Light answered with
