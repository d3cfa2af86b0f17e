"""Fetches a /metrics URL and parses it with prometheus_client, a real text-format parser.

Prints one JSON object: the family names, families without a type (samples cut off from
their family), families seen twice, and every sample as "name{label=value,...}": value.
"""
import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

text = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
families = list(text_string_to_metric_families(text))
names = [family.name for family in families]
samples = {}
for family in families:
    for sample in family.samples:
        labels = ",".join(f"{key}={value}" for key, value in sorted(sample.labels.items()))
        samples[f"{sample.name}{{{labels}}}"] = sample.value
print(json.dumps({
    "families": names,
    "untyped": sorted(family.name for family in families if family.type == "unknown"),
    "repeated": sorted({name for name in names if names.count(name) > 1}),
    "samples": samples,
}))
