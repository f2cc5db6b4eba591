"""The seed, rebuilt for comparison: Flask + prometheus_client, as the original demo was.

Run with `gunicorn -w 2 -b 127.0.0.1:5098 seed_flask:app` from this folder.
"""
import random
import time

from flask import Flask, Response
from prometheus_client import CollectorRegistry, Histogram, generate_latest, CONTENT_TYPE_LATEST

app = Flask(__name__)
registry = CollectorRegistry()
file_upload_duration = Histogram(
    "file_upload_duration_seconds",
    "Time spent uploading a file.",
    buckets=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    registry=registry,
)


@app.route("/file-upload", methods=["POST"])
def file_upload():
    with file_upload_duration.time():
        seconds = random.uniform(1, 10)
        time.sleep(seconds)
    return f"File upload took {seconds:.2f} seconds!"


@app.route("/metrics")
def metrics():
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
