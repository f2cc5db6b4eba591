"""Parses OpenMetrics on stdin with prometheus_client's strict parser; prints one line per sample
with an exemplar or a _created suffix, so tests/openmetrics.rs can check what was understood.

Run with: python3 tests/python/parse_openmetrics.py < exposition
"""
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        if sample.exemplar is not None:
            print(f"exemplar {family.type} {sample.name} {sample.exemplar.labels['trace_id']} "
                  f"{sample.exemplar.value} {sample.exemplar.timestamp}")
        if sample.name.endswith("_created"):
            print(f"created {family.type} {sample.name} {sample.value}")
