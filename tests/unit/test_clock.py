from datetime import datetime, timedelta

from light.plumbing.jobs.clock import is_due

NOW = datetime(2026, 11, 25, 12, 0)


def test_a_task_that_never_ran_is_due():
    assert is_due(None, NOW, 15)


def test_a_task_is_due_once_its_interval_has_passed():
    assert not is_due(NOW - timedelta(minutes=14, seconds=59), NOW, 15)
    assert is_due(NOW - timedelta(minutes=15), NOW, 15)
    assert is_due(NOW - timedelta(days=3), NOW, 15)  # after downtime: due, once
