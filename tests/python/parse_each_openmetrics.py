"""Parses each OpenMetrics document on stdin (documents separated by a NUL byte) with
prometheus_client's strict parser; prints one line per document: `ok`, or what the parser refused.

Run with: python3 tests/python/parse_each_openmetrics.py < documents
"""
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

for document in sys.stdin.read().split("\0"):
    try:
        list(text_string_to_metric_families(document))
        print("ok")
    except Exception as error:  # ValueError mostly; any refusal is reported the same way
        print(f"refused: {error!r}".replace("\n", " "))
