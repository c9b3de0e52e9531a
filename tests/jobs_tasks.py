"""Tiny tasks the job tests enqueue by dotted path."""
from light.jobs import report_progress


def count_to(n: int) -> str:
    for i in range(n):
        report_progress(int(100 * (i + 1) / n), f"{i + 1} of {n}")
    return f"counted to {n}"


def explode(message: str) -> None:
    raise ValueError(message)


class Refused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def refuse(message: str) -> None:
    raise Refused(message)
