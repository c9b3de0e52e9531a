"""Tiny tasks the job tests enqueue (module-level, so a worker can import them)."""
from light.errors import Refused
from light.plumbing.jobs.runner import report_progress


def count_to(n: int) -> str:
    for i in range(n):
        report_progress(int(100 * (i + 1) / n), f"{i + 1} of {n}")
    return f"counted to {n}"


def explode(message: str) -> None:
    raise ValueError(message)


def refuse(message: str) -> None:
    raise Refused(message)
