"""The two errors a use case raises for people, whatever the area. Routes turn them into a page
(422 with the messages beside the fields, or the refusal in a flash); the job runner shows a
Refused's message on the progress bar, and only a generic line for anything else."""


class InvalidInput(Exception):
    """Input that can't be used, with a message per field. Nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class Refused(Exception):
    """A request Light won't carry out now, with a message fit to show the person who asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
