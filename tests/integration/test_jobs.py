import os
import subprocess
import sys
import time

import pytest

from light.extensions import db
from light.plumbing.jobs import clock
from light.plumbing.jobs.models import ClockRun, Job
from light.plumbing.jobs.queue import enqueue, task_path
from tests import jobs_tasks


def test_a_job_runs_on_an_rq_worker_and_records_progress(app, auth, run_jobs):
    owner = auth.create_owner()
    job = enqueue(jobs_tasks.count_to, 4, kind="count", description="Counting", organization_id=owner.organization_id)
    assert db.session.get(Job, job.id).status == "queued"
    run_jobs()
    db.session.expire_all()
    done = db.session.get(Job, job.id)
    assert (done.status, done.progress, done.message) == ("finished", 100, "counted to 4")
    assert done.active_key is None


def test_a_failing_job_is_recorded_with_its_error(app, auth, run_jobs):
    app.config["JOBS_RERAISE"] = False
    owner = auth.create_owner()
    job = enqueue(jobs_tasks.explode, "no stripe today", kind="x", description="Exploding",
                  organization_id=owner.organization_id)
    run_jobs()
    db.session.expire_all()
    failed = db.session.get(Job, job.id)
    assert failed.status == "failed" and "no stripe today" in failed.error
    assert "no stripe today" not in failed.message and "Try again" in failed.message  # internals stay in the log


def test_a_domain_error_meant_for_people_is_shown_as_it_is(app, client, auth, run_jobs):
    app.config["JOBS_RERAISE"] = False
    owner = auth.login()
    job = enqueue(jobs_tasks.refuse, "Stripe rejected the key.", kind="x", description="Checking",
                  organization_id=owner.organization_id)
    run_jobs()
    html = client.get(f"/jobs/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Checking failed: Stripe rejected the key." in html


def test_a_second_job_for_the_same_thing_is_not_started_while_one_is_active(app, auth):
    owner = auth.create_owner()
    first = enqueue(jobs_tasks.count_to, 1, kind="sync", description="Sync", organization_id=owner.organization_id,
                    active_key="sync:1")
    second = enqueue(jobs_tasks.count_to, 1, kind="sync", description="Sync", organization_id=owner.organization_id,
                     active_key="sync:1")
    assert first.id == second.id
    assert db.session.query(Job).count() == 1
    queue = app.extensions["light_jobs"].queue
    assert queue.count == 1


def test_the_progress_fragment_polls_while_running_and_stops_when_done(client, auth, run_jobs):
    owner = auth.login()
    job = enqueue(jobs_tasks.count_to, 2, kind="count", description="Counting", organization_id=owner.organization_id)
    running = client.get(f"/jobs/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="load delay:1s"' in running and "<progress" in running
    run_jobs()
    done = client.get(f"/jobs/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in done and "done" in done


@pytest.mark.parametrize("job_id, status", [("%00", 400), ("a" * 5000, 404), ("%C3%A9t%C3%A9", 404), ("..%2F1", 404)])
def test_odd_job_ids_answer_an_error_page_not_a_crash(client, auth, job_id, status):
    auth.login()
    assert client.get(f"/jobs/{job_id}", headers={"HX-Request": "true"}).status_code == status


def test_a_job_of_no_organization_is_shown_to_nobody(client, auth):
    auth.login()
    job = enqueue(jobs_tasks.count_to, 1, kind="clock", description="Periodic", organization_id=None)
    assert client.get(f"/jobs/{job.id}").status_code == 404


def test_without_redis_jobs_run_in_a_thread_of_the_web_process(database_url, auth):
    from light import create_app
    from tests.conftest import make_config

    app = create_app(make_config(database_url, REDIS_CONNECTION=None, REDIS_URL=None))
    with app.app_context():
        owner = auth.create_owner()
        job = enqueue(jobs_tasks.count_to, 3, kind="count", description="Counting", organization_id=owner.organization_id)
        deadline = time.time() + 10
        while time.time() < deadline:
            db.session.expire_all()
            if db.session.get(Job, job.id).status == "finished":
                break
            time.sleep(0.05)
        assert db.session.get(Job, job.id).status == "finished"


def test_the_clock_enqueues_a_periodic_task_once_per_interval(app):
    from freezegun import freeze_time

    # Only this test's task: the areas' own tasks have tests of their own.
    app.extensions["light_schedule"] = [clock.Periodic("test-count", jobs_tasks.count_to, "TEST_INTERVAL",
                                                       "Test counting")]
    app.config["TEST_INTERVAL"] = 10
    with freeze_time("2026-11-25 12:00:00"):
        assert clock.tick() == ["test-count"]
        assert clock.tick() == []  # a second clock in the same minute
    with freeze_time("2026-11-25 12:09:00"):
        assert clock.tick() == []
    with freeze_time("2026-11-25 12:10:00"):
        db.session.query(Job).update({"active_key": None})
        db.session.commit()
        assert clock.tick() == ["test-count"]
    assert db.session.get(ClockRun, "test-count") is not None


def test_the_app_schedule_lists_the_areas_periodic_work(app):
    assert [(p.name, p.interval_config) for p in app.extensions["light_schedule"]] == [
        ("bank_feed_sync", "SYNC_INTERVAL_MINUTES"), ("contract_billing", "CONTRACT_BILLING_INTERVAL_MINUTES"),
        ("invoice_reminders", "INVOICE_REMINDER_INTERVAL_MINUTES"), ("salesforce_poll", "SALESFORCE_POLL_SECONDS")]


def test_a_task_is_named_by_its_import_path_and_must_be_importable():
    assert task_path(jobs_tasks.count_to) == "tests.jobs_tasks.count_to"

    def local():
        return None

    with pytest.raises(ValueError, match="not a module-level function"):
        task_path(local)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis (REDIS_URL) for a separate worker process")
def test_the_procfile_worker_command_runs_a_job(app, auth, database_url):
    owner = auth.create_owner()
    job = enqueue(jobs_tasks.count_to, 2, kind="count", description="Counting", organization_id=owner.organization_id)
    env = {**os.environ, "DATABASE_URL": database_url, "LIGHT_ENCRYPTION_KEY": app.config["LIGHT_ENCRYPTION_KEY"],
           "SECRET_KEY": "x", "PYTHONPATH": os.getcwd()}
    subprocess.run([sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", os.environ["REDIS_URL"],
                    app.config["RQ_QUEUE"]], env=env, check=True, timeout=120, capture_output=True)
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "finished"


def test_without_redis_the_web_process_ticks_the_clock_itself(database_url, app, redis_connection):
    import threading

    from light import create_app
    from tests.conftest import make_config

    web = create_app(make_config(database_url, REDIS_CONNECTION=None, REDIS_URL=None, TESTING=False,
                                 JOBS_RERAISE=False))
    assert any(f.__name__ == "start_clock" for f in web.before_request_funcs.get(None, []))
    with_redis = create_app(make_config(database_url, TESTING=False, REDIS_CONNECTION=redis_connection))
    assert not any(f.__name__ == "start_clock" for f in with_redis.before_request_funcs.get(None, []))

    web.extensions["light_schedule"] = [clock.Periodic("embedded-count", jobs_tasks.count_to, "TEST_INTERVAL",
                                                       "Embedded counting")]
    web.config["TEST_INTERVAL"] = 60
    stop = threading.Event()
    try:
        thread = clock.start_embedded(web, poll_seconds=0.05, stop=stop)
        deadline = time.time() + 10
        while time.time() < deadline and not db.session.query(Job).filter_by(kind="embedded-count").count():
            time.sleep(0.05)
            db.session.expire_all()
        stop.set()
        thread.join(5)
        assert db.session.query(Job).filter_by(kind="embedded-count").count() == 1  # once per interval
        while time.time() < deadline and db.session.query(Job).filter_by(kind="embedded-count").one().is_active:
            time.sleep(0.05)  # let the job's thread finish before the tables are emptied
            db.session.expire_all()
    finally:
        stop.set()


def test_a_job_that_finishes_while_a_second_is_being_started_does_not_make_the_second_fail(app, auth, monkeypatch):
    owner = auth.create_owner()
    first = enqueue(jobs_tasks.count_to, 1, kind="sync", description="Sync",
                    organization_id=owner.organization_id, active_key="sync:race")
    real_rollback = db.session.rollback

    def rollback_then_first_job_finishes():
        real_rollback()
        monkeypatch.setattr(db.session, "rollback", real_rollback)
        db.session.query(Job).filter_by(id=first.id).update({"status": "finished", "active_key": None})
        db.session.commit()

    monkeypatch.setattr(db.session, "rollback", rollback_then_first_job_finishes)
    second = enqueue(jobs_tasks.count_to, 1, kind="sync", description="Sync",
                     organization_id=owner.organization_id, active_key="sync:race")
    assert second.id != first.id and second.active_key == "sync:race"
