"""Entry point for gunicorn (`gunicorn app:app`) and `flask --app app`."""
from light import create_app

app = create_app()
