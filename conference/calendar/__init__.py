"""Calendar feeds (.ics) and schedule exports (schedule.json, schedule.xml)."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)
