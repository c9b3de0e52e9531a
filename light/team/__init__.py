"""Settings > Team: who is in the organization, inviting people, accepting an invitation."""
from flask import Blueprint

bp = Blueprint("team", __name__)
