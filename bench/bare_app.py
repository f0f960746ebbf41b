"""A bare Flask app: the floor the real endpoints are compared with (same gunicorn set-up)."""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/scan")
def scan():
    """Parse the same JSON body a scanner sends and answer a small JSON object."""
    body = request.get_json(silent=True) or {}
    return jsonify({"result": "admitted", "reason": "", "code_length": len(body.get("code", ""))})


@app.get("/")
def index():
    return "ok"
