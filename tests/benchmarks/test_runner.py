"""The benchmark runner works: its quick mode against a real server.

No timing is asserted here (timing lives in benchmarks/RESULTS.md): only
that ``benchmarks/run.py --quick`` starts the embedded server, runs one
tiny workload over REST, stops the server and reports positive numbers
in the JSON it prints.
"""
import importlib.util
import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
RUN = os.path.join(REPO, "benchmarks", "run.py")


@pytest.mark.timeout(300)
def test_quick_run_reports_positive_numbers(tmp_path):
    out = tmp_path / "out.json"
    done = subprocess.run(
        [sys.executable, RUN, "--quick", "--json", str(out)],
        capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    doc = json.loads(out.read_text())
    assert json.loads(done.stdout[:done.stdout.rindex("}") + 1]) == doc
    assert "| metric (median)" in done.stdout

    ours = doc["systems"]["ours"]
    assert ours["errors"] == {}
    for metric in ("seq10_s", "seq10_ms_per_task", "rss_peak_mb"):
        assert ours["median"][metric] > 0, metric
        assert len(ours["runs"][metric]) == 1
    load = ours["load"]["seq10"]
    assert load["polls_per_s"] > 0
    assert load["poll_ms"] > 0
    assert load["wall_s"] > 0
    assert doc["machine"]["cores"] > 0
    assert doc["config"]["workloads"] == ["seq10"]
    assert doc["ratios"] == {}
    assert "mistral" not in doc["systems"]


def _load(name):
    bench = os.path.join(REPO, "benchmarks")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    spec = importlib.util.spec_from_file_location(
        "bench_" + name, os.path.join(bench, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_distributed_and_floor_options():
    run = _load("run")
    args = run.parse_args(["--distributed", "--floor"])
    assert args.setup == "distributed"
    assert args.workloads == ["par20x10", "seq50"]
    assert args.curves == []
    assert args.floor == ["sqlite"]
    args = run.parse_args([])
    assert args.setup == "embedded" and args.floor is None
    assert "par20x100" in args.workloads and "seq1000" in args.curves


@pytest.mark.timeout(300)
def test_floor_replays_the_captured_sql_without_errors(tmp_path):
    out = tmp_path / "floor.json"
    done = subprocess.run(
        [sys.executable, os.path.join(REPO, "benchmarks", "floor.py"),
         "--workloads", "seq3", "par2x2", "--repeat", "1",
         "--json", str(out)],
        capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    doc = json.loads(out.read_text())
    for name, tasks in (("seq3", 3), ("par2x2", 4)):
        figures = doc["sqlite"][name]
        assert figures["tasks"] == tasks
        assert figures["replay_errors"] == 0
        assert figures["statements_per_task"] > 1
        # Inline noops: one commit for the whole execution (or more).
        assert figures["commits_per_task"] > 0
        assert figures["floor_tasks_per_s"] > 0
        assert figures["engine_tasks_per_s"] > 0
    assert "| sqlite | seq3 |" in done.stdout


def test_ratios_point_the_right_way():
    spec = importlib.util.spec_from_file_location(
        "bench_report", os.path.join(REPO, "benchmarks", "report.py"))
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    doc = {"systems": {
        "ours": {"median": {"seq50_s": 0.5, "par20x10_tasks_per_s": 1000.0}},
        "mistral": {"median": {"seq50_s": 5.0,
                               "par20x10_tasks_per_s": 10.0}}}}
    got = report.ratios(doc)
    assert got["seq50_s"] == {"ratio": 0.1, "better_x": 10.0}
    assert got["par20x10_tasks_per_s"] == {"ratio": 100.0, "better_x": 100.0}
