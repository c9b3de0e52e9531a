"""`python -m stripe_sandbox` serves on the given port and keeps its state in --state-file."""
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.fixtures.stripe_sandbox import new_key


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(port, state_file):
    process = subprocess.Popen([sys.executable, "-m", "stripe_sandbox", "--port", str(port),
                                "--state-file", str(state_file)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=os.getcwd())
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=0.5)
            return process
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("the sandbox did not start")


def stop(process):
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=15)


def test_state_survives_a_restart_through_the_state_file(tmp_path):
    port, state_file, key = free_port(), tmp_path / "sandbox.pickle", new_key()
    process = start(port, state_file)
    try:
        created = requests.post(f"http://127.0.0.1:{port}/v1/customers", data={"name": "Kept"},
                                headers={"Authorization": f"Bearer {key}"}).json()
    finally:
        stop(process)
    assert state_file.exists()
    process = start(port, state_file)
    try:
        again = requests.get(f"http://127.0.0.1:{port}/v1/customers/{created['id']}",
                             headers={"Authorization": f"Bearer {key}"})
    finally:
        stop(process)
    assert again.status_code == 200 and again.json()["name"] == "Kept"
