"""Jobs survive their worker: a job whose worker stopped is queued again by the clock, a backfill
carries on from its cursor, and a real `rq worker` killed with SIGKILL mid-backfill, again and
again, loses nothing and doubles nothing."""
import os
import random
import signal
import subprocess
import time
from datetime import timedelta

import pytest

from light.banking import services, sync
from light.banking.models import BankTransaction, StripeConnection, SyncRun
from light.extensions import db
from light.plumbing.jobs import clock, lease
from light.plumbing.jobs.models import Job
from light.plumbing.jobs.queue import enqueue
from light.plumbing.jobs.runner import report_progress
from light.plumbing.stripe_gateway import ConnectToken, Unreachable
from light.utc import utcnow
from tests import jobs_tasks
from tests.fixtures.owned.banking import CountingGateway, sandbox_config, sandbox_transactions
from tests.fixtures.stripe_sandbox import SleepRecorder

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def slow_task(seconds: float) -> str:
    """Sleeps in small steps without reporting progress: only the heartbeat keeps its lease."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.02)
    report_progress(50)
    return "slept"


@pytest.fixture
def owner(auth):
    return auth.create_owner()


def _stale(job, status="running", seconds=600):
    db.session.query(Job).filter_by(id=job.id).update(
        {"status": status, "heartbeat_at": utcnow() - timedelta(seconds=seconds)})
    db.session.commit()


def test_a_job_whose_worker_stopped_is_queued_again_by_the_clock_and_says_so(app, client, auth, owner, run_jobs):
    app.extensions["light_schedule"] = []
    job = enqueue(jobs_tasks.count_to, 3, kind="count", description="Counting", organization_id=owner.organization_id,
                  active_key="count:1")
    queue = app.extensions["light_jobs"].queue
    queue.connection.delete(queue.key)  # the worker took it...
    _stale(job)  # ...marked it running, and was killed: no heartbeat since
    clock.tick()
    db.session.expire_all()
    again = db.session.get(Job, job.id)
    assert (again.status, again.restarts, again.submissions, again.message) == ("queued", 1, 1, lease.RESTARTED)
    assert queue.job_ids == [f"{job.id}-1"] and again.active_key == "count:1"
    auth.login(owner)
    assert "Restarted after the worker stopped" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    clock.tick()  # a second clock, or the next tick: not queued twice
    assert queue.count == 1
    run_jobs()
    db.session.expire_all()
    done = db.session.get(Job, job.id)
    assert done.status == "finished" and done.active_key is None
    assert done.message == "counted to 3 (restarted 1× after the worker stopped)"


def test_a_job_taken_off_the_queue_by_a_worker_that_died_before_running_it_is_queued_again(app, owner):
    job = enqueue(jobs_tasks.count_to, 1, kind="count", description="Counting", organization_id=owner.organization_id)
    queue = app.extensions["light_jobs"].queue
    _stale(job, status="queued")
    assert lease.recover() == []  # still on the queue, behind other work: left alone
    queue.connection.delete(queue.key)
    assert lease.recover() == [job.id]
    assert queue.job_ids == [f"{job.id}-1"]


def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(app, owner):
    job = enqueue(jobs_tasks.count_to, 1, kind="count", description="Counting", organization_id=owner.organization_id)
    _stale(job, seconds=5)
    assert lease.recover() == []


def test_a_job_whose_worker_keeps_dying_is_given_up_with_a_message_not_left_running(app, owner):
    app.config["JOB_MAX_RESTARTS"] = 2
    job = enqueue(jobs_tasks.count_to, 1, kind="count", description="Counting", organization_id=owner.organization_id,
                  active_key="count:2")
    for _ in range(3):
        _stale(job)
        lease.recover()
    db.session.expire_all()
    failed = db.session.get(Job, job.id)
    assert failed.status == "failed" and failed.active_key is None and "stopped 2 times" in failed.message


def test_a_job_from_before_leases_is_marked_stopped_rather_than_left_running(app, owner):
    job = enqueue(jobs_tasks.count_to, 1, kind="count", description="Counting", organization_id=owner.organization_id)
    db.session.query(Job).filter_by(id=job.id).update({"task": None})
    _stale(job)
    lease.recover()
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "failed"


def test_a_running_job_keeps_its_lease_by_heartbeat_and_is_run_once(database_url, owner):
    from light import create_app
    from tests.conftest import make_config

    web = create_app(make_config(database_url, REDIS_CONNECTION=None, REDIS_URL=None, JOB_HEARTBEAT_SECONDS=0.05,
                                 JOB_LEASE_SECONDS=0.5))
    with web.app_context():
        job = enqueue(slow_task, 1.5, kind="slow", description="Sleeping", organization_id=owner.organization_id)
        deadline, recovered = time.monotonic() + 10, []
        while time.monotonic() < deadline:
            recovered += lease.recover()
            db.session.expire_all()
            if db.session.get(Job, job.id).status == "finished":
                break
            time.sleep(0.1)
        done = db.session.get(Job, job.id)
        assert recovered == [] and (done.status, done.restarts, done.message) == ("finished", 0, "slept")
        db.session.remove()


# -- the bank feed's backfill -------------------------------------------------------------------
@pytest.fixture
def sandbox_app_config(app_config, stripe_sandbox, sandbox_key):
    return sandbox_config(app_config, stripe_sandbox, sandbox_key)


def _connect(owner, stripe_sandbox, sandbox_key, transactions):
    token = stripe_sandbox.connect_account(sandbox_key, "Crash Shop", demo=False)
    stripe_sandbox.seed(account=token["stripe_user_id"], balance_transactions=transactions, currencies=["usd"])
    return services.store_connection(owner.organization_id, ConnectToken(
        token["stripe_user_id"], token["access_token"], token["refresh_token"], token["scope"], token["livemode"]))


class Recording(CountingGateway):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params = []

    def _txn_page(self, params):
        self.params.append(dict(params))
        return super()._txn_page(params)


class DiesAfter(CountingGateway):
    """Like a worker killed after `pages` pages: the next page never comes."""

    def __init__(self, *args, pages, **kwargs):
        super().__init__(*args, **kwargs)
        self.pages = pages

    def _txn_page(self, params):
        if self.calls.count("balance_transactions.list") == self.pages:
            raise Unreachable("killed")
        return super()._txn_page(params)


def test_a_restarted_backfill_carries_on_from_its_cursor(sandbox_app_config, app, owner, stripe_sandbox,
                                                         sandbox_key):
    connection = _connect(owner, stripe_sandbox, sandbox_key, 1000)

    def gateway(cls=CountingGateway, **kwargs):
        return cls(sandbox_key, api_base=stripe_sandbox.url, connect_base=stripe_sandbox.url,
                   stripe_account=connection.stripe_user_id, sleep=SleepRecorder(), **kwargs)

    with pytest.raises(Unreachable):
        sync.sync_connection(connection.id, gateway=gateway(DiesAfter, pages=4))
    db.session.refresh(connection)
    top = max(sandbox_transactions(stripe_sandbox, connection.stripe_user_id).values(),
              key=lambda t: (t["created"], t["id"]))["id"]
    assert connection.newest_transaction_id is None and connection.backfill_cursor is not None
    assert connection.backfill_newest_id == top

    cursor = connection.backfill_cursor
    resumed = gateway(Recording)
    run = sync.sync_connection(connection.id, gateway=resumed)
    backfill_pages = [p for p in resumed.params if not {"created", "payout"} & set(p)]  # nor payouts, matured
    assert backfill_pages[0]["starting_after"] == cursor and len(backfill_pages) == 6  # nothing read twice
    assert (run.kind, run.created_count) == ("backfill", 600)
    ids = [i for (i,) in db.session.query(BankTransaction.stripe_id)]
    assert len(ids) == len(set(ids)) and set(ids) == set(sandbox_transactions(stripe_sandbox,
                                                                              connection.stripe_user_id))
    db.session.refresh(connection)
    assert (connection.newest_transaction_id, connection.backfill_cursor, connection.backfill_newest_id) == (
        top, None, None)
    assert sync.sync_connection(connection.id, gateway=gateway()).kind == "incremental"


# -- a real worker, killed again and again ------------------------------------------------------
def _procfile_worker_command() -> str:
    with open(os.path.join(ROOT, "Procfile")) as procfile:
        return next(line.split(":", 1)[1].strip() for line in procfile if line.startswith("worker:"))


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as found:
            return [int(p) for p in found.read().split()]
    except OSError:
        return []


def _kill(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its work horse (RQ forks one per job, in a process group of its own)."""
    for pid in _children(worker.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.kill()
    worker.wait(10)


@pytest.fixture
def backfill_pages(stripe_sandbox, monkeypatch):
    """Counts the sandbox's answers to a backfill's page requests (the balance transaction list
    with neither a payout nor a date filter), whoever asks."""
    pages = []
    inner = stripe_sandbox.app.wsgi_app

    def counting(environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if environ.get("PATH_INFO") == "/v1/balance_transactions" and "payout" not in query \
                and "created" not in query:
            pages.append(query)
        return inner(environ, start_response)

    monkeypatch.setattr(stripe_sandbox.app, "wsgi_app", counting)
    return pages


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis (REDIS_URL) for a separate worker process")
def test_a_worker_killed_mid_backfill_ten_times_loses_nothing_and_doubles_nothing(
        sandbox_app_config, app, owner, database_url, stripe_sandbox, sandbox_key, backfill_pages):
    # The budget only bounds a hang: the backfill now also matches each page, and CI machines vary.
    kills_wanted, budget = 10, 240.0
    app.config["JOB_LEASE_SECONDS"] = 1.0
    app.extensions["light_schedule"] = []  # the clock's recovery alone
    # Sized so the backfill outlasts ten kills, and finishes inside the budget after them.
    connection = _connect(owner, stripe_sandbox, sandbox_key, 50_000 if database_url.startswith("sqlite") else 15_000)
    job = services.start_sync(connection, "connect")
    env = {**os.environ, "DATABASE_URL": database_url, "LIGHT_ENCRYPTION_KEY": app.config["LIGHT_ENCRYPTION_KEY"],
           "SECRET_KEY": "x", "PYTHONPATH": ROOT, "RQ_QUEUE": app.config["RQ_QUEUE"],
           "PATH": os.path.dirname(os.path.abspath(os.sys.executable)) + os.pathsep + os.environ.get("PATH", ""),
           "STRIPE_API_BASE": stripe_sandbox.url, "STRIPE_CONNECT_BASE": stripe_sandbox.url,
           "STRIPE_SECRET_KEY": sandbox_key, "STRIPE_CLIENT_ID": "ca_lighttest0001", "LIGHT_JOB_HEARTBEAT_SECONDS": "0.2"}
    command = f"exec {_procfile_worker_command()} --quiet"
    rng, kills, started = random.Random(14), 0, time.monotonic()
    worker = subprocess.Popen(["bash", "-c", command], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        while time.monotonic() - started < budget:
            kill_at = time.monotonic() + rng.uniform(0.7, 2.2) if kills < kills_wanted else float("inf")
            while time.monotonic() < kill_at and time.monotonic() - started < budget:
                clock.tick()
                db.session.expire_all()
                if db.session.get(Job, job.id).status not in ("queued", "running"):
                    break
                time.sleep(0.1)
            if db.session.get(Job, job.id).status not in ("queued", "running") or kill_at == float("inf"):
                break
            _kill(worker)
            kills += 1
            worker = subprocess.Popen(["bash", "-c", command], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
    finally:
        _kill(worker)
    db.session.expire_all()
    done = db.session.get(Job, job.id)
    assert done.status == "finished", (done.status, done.message, kills)
    assert kills >= 5, f"the backfill finished after only {kills} kills"
    assert Job.query.filter(Job.status.in_(("queued", "running"))).count() == 0
    ids = [i for (i,) in db.session.query(BankTransaction.stripe_id)]
    remote = sandbox_transactions(stripe_sandbox, connection.stripe_user_id)
    assert len(ids) == len(set(ids)) == len(remote) and set(ids) == set(remote)  # each exactly once
    # Each restart carried on from its cursor: at most the page in flight is read again per kill.
    assert len(remote) // 100 <= len(backfill_pages) <= len(remote) // 100 + 1 + kills
    assert all(r.finished_at is not None for r in SyncRun.query.filter_by(connection_id=connection.id))
    assert db.session.get(StripeConnection, connection.id).backfill_cursor is None
    print(f"\n{kills} kills, {done.restarts} restarts, {len(backfill_pages)} backfill pages read for "
          f"{len(remote):,} transactions, {time.monotonic() - started:.1f}s")


# -- a real worker, stopped the way a platform stops it ----------------------------------------
def _worker_env(app, database_url, stripe_sandbox, sandbox_key):
    return {**os.environ, "DATABASE_URL": database_url, "LIGHT_ENCRYPTION_KEY": app.config["LIGHT_ENCRYPTION_KEY"],
            "SECRET_KEY": "x", "PYTHONPATH": ROOT, "RQ_QUEUE": app.config["RQ_QUEUE"],
            "PATH": os.path.dirname(os.path.abspath(os.sys.executable)) + os.pathsep + os.environ.get("PATH", ""),
            "STRIPE_API_BASE": stripe_sandbox.url, "STRIPE_CONNECT_BASE": stripe_sandbox.url,
            "STRIPE_SECRET_KEY": sandbox_key, "STRIPE_CLIENT_ID": "ca_lighttest0001",
            "LIGHT_JOB_HEARTBEAT_SECONDS": "0.2"}


def _until(predicate, seconds: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        if predicate():
            return True
        time.sleep(step)
    return False


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis (REDIS_URL) for a separate worker process")
def test_sigterm_mid_backfill_lets_the_worker_finish_the_job_then_exit(
        sandbox_app_config, app, owner, database_url, stripe_sandbox, sandbox_key):
    # A deploy or a scale-down sends the worker SIGTERM: RQ's warm shutdown takes no new job but lets
    # the one in hand finish, so the Job row ends "finished" and the process exits cleanly by itself.
    app.extensions["light_schedule"] = []
    connection = _connect(owner, stripe_sandbox, sandbox_key, 3000)
    job = services.start_sync(connection, "connect")
    worker = subprocess.Popen(["bash", "-c", f"exec {_procfile_worker_command()} --quiet"], cwd=ROOT,
                              env=_worker_env(app, database_url, stripe_sandbox, sandbox_key),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _until(lambda: BankTransaction.query.count() > 0, 60, 0.02), "the backfill never started"
        assert db.session.get(Job, job.id).status == "running"
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(120) == 0  # a warm shutdown: it waited for the job, then exited by itself
    finally:
        _kill(worker)
    db.session.expire_all()
    done = db.session.get(Job, job.id)
    assert (done.status, done.restarts) == ("finished", 0)
    ids = [i for (i,) in db.session.query(BankTransaction.stripe_id)]
    assert len(ids) == len(set(ids)) == 3000
    assert Job.query.filter(Job.status.in_(("queued", "running"))).count() == 0


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis (REDIS_URL) for a separate worker process")
def test_a_second_sigterm_takes_the_job_down_and_the_next_worker_finishes_it_from_its_cursor(
        sandbox_app_config, app, owner, database_url, stripe_sandbox, sandbox_key):
    # A platform that won't wait (a second SIGTERM is RQ's cold shutdown: the work horse is killed)
    # strands nothing: the lease runs out, the clock queues the job again, and the next worker
    # carries the backfill on from its cursor.
    app.config["JOB_LEASE_SECONDS"] = 1.0
    app.extensions["light_schedule"] = []
    connection = _connect(owner, stripe_sandbox, sandbox_key, 6000)
    job = services.start_sync(connection, "connect")
    env = _worker_env(app, database_url, stripe_sandbox, sandbox_key)
    command = ["bash", "-c", f"exec {_procfile_worker_command()} --quiet"]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _until(lambda: BankTransaction.query.count() > 0, 60, 0.02), "the backfill never started"
        worker.send_signal(signal.SIGTERM)
        time.sleep(1.2)  # RQ ignores a second signal within a second of the first
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
        db.session.expire_all()
        assert db.session.get(Job, job.id).status == "running"  # nobody said it stopped: the lease will
        assert 0 < BankTransaction.query.count() < 6000
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def finished():
            clock.tick()
            return db.session.get(Job, job.id).status not in ("queued", "running")
        assert _until(finished, 180, 0.2)
    finally:
        _kill(worker)
    db.session.expire_all()
    done = db.session.get(Job, job.id)
    # At least once (a busy machine can starve the new worker's heartbeat past a one-second lease).
    assert done.status == "finished" and done.restarts >= 1, done.message
    ids = [i for (i,) in db.session.query(BankTransaction.stripe_id)]
    assert len(ids) == len(set(ids)) == 6000
    assert Job.query.filter(Job.status.in_(("queued", "running"))).count() == 0
