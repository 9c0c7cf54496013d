"""Figures of a run (executions, kills, duplicates, durations).

Printed (``pytest -s`` shows them) and, when ``MR_TEST_FIGURES`` names a
file, appended to it as one JSON object per line.
"""
import json
import os


def record(name, **data):
    line = json.dumps(dict(test=name, **data), sort_keys=True)
    print("FIGURES %s" % line)
    path = os.environ.get("MR_TEST_FIGURES")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")
