#!/usr/bin/env python3
"""Where our time goes: py-spy on the embedded server during seq50.

    python benchmarks/profile_engine.py [--runs 10] [--mode gil] [--svg]
                                        [--workload seq50]

Starts the embedded server, records it with ``py-spy record --nonblocking
--format raw`` (collapsed stacks) while it runs seq50 (or another
sequential ``--workload``) ``--runs`` times
(polled as the runner polls), and prints where each task's time goes: by
package where the sample was taken (self), and by function of ours
(inclusive). Shares of samples are scaled to the CPU the process used per
task (``--mode gil``: only the thread holding the GIL is sampled, i.e.
Python CPU; ``busy``: every running thread), or to the wall time per task
(``idle``: waiting threads too). ``--svg`` repeats the run to draw a flame
graph. Needs ``py-spy`` (``pip install py-spy``) and permission to ptrace.
"""
import argparse
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import client as client_mod
import services
import workloads

FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
# Package of a frame, from the most specific path marker found.
AREAS = (
    ("mistral_resume/engine", "ours: engine"),
    ("mistral_resume/workflow", "ours: workflow core"),
    ("mistral_resume/api", "ours: REST API"),
    ("mistral_resume/db", "ours: db layer"),
    ("mistral_resume/executor", "ours: executor"),
    ("mistral_resume/messaging", "ours: inproc transport"),
    ("mistral_resume/expressions", "ours: expressions"),
    ("mistral_resume", "ours: other"),
    ("sqlalchemy", "SQLAlchemy"), ("oslo_db", "oslo.db"),
    ("sqlite3", "sqlite3"), ("oslo_messaging", "oslo.messaging"),
    ("yaql", "yaql"), ("jinja2", "jinja2"), ("pecan", "pecan"),
    ("wsme", "WSME"), ("webob", "WebOb"), ("yaml", "PyYAML"),
    ("oslo_log", "logging"), ("logging", "logging"),
    ("wsgiref", "wsgiref/socketserver"), ("socketserver",
                                          "wsgiref/socketserver"),
    ("json", "json"), ("threading", "threading/queue"),
    ("queue", "threading/queue"), ("futurist", "futurist"),
)


# A leaf in one of these, with none of our frames above it, is a pool
# thread waiting for work: py-spy samples some of those as busy when their
# wait has a timeout.
WAITS = ("wait", "wait_for", "get", "select", "accept", "sleep",
         "_wait_for_tstate_lock", "_take_batch")


def idle(frames):
    leaf = frames[-1][0].rsplit(".", 1)[-1]
    ours = [f for f, p in frames if "mistral_resume/" in p
            and not p.endswith("messaging/inproc.py")
            and not p.endswith("cmd/server.py")]
    return leaf in WAITS and not ours


def area(path):
    for marker, name in AREAS:
        if marker in path:
            return name
    return "other: " + os.path.basename(path)


def parse(lines):
    """Collapsed stacks -> [(frames, count)], frames root first."""
    stacks = []
    for line in lines:
        line = line.rstrip()
        if not line or " " not in line:
            continue
        stack, count = line.rsplit(" ", 1)
        frames = []
        for raw in stack.split(";"):
            match = FRAME.match(raw.strip())
            if match:
                frames.append((match["func"], match["file"]))
        stacks.append((frames, int(count)))
    return stacks


def summarise(stacks, ms_per_task, top=12):
    """Sample shares, scaled so that all samples make ``ms_per_task``."""
    total = sum(c for _, c in stacks)
    self_area = collections.Counter()
    inclusive = collections.Counter()
    waiting = sum(c for f, c in stacks if f and idle(f))
    total -= waiting
    ms = ms_per_task / max(total, 1)  # one sample, in ms per task
    for frames, count in stacks:
        if not frames or idle(frames):
            continue
        self_area[area(frames[-1][1])] += count
        for func, path in {(f, p) for f, p in frames
                           if "mistral_resume/" in p}:
            short = path.rsplit("mistral_resume/", 1)[1]
            inclusive["%s (%s)" % (func, short)] += count
    out = ["%d samples = %.2f ms per task (%d samples of idle pool "
           "threads left out)" % (total, ms_per_task, waiting),
           "", "self time by package (ms/task):"]
    out += ["  %7.2f  %5.1f%%  %s" % (c * ms, 100.0 * c / total, name)
            for name, c in self_area.most_common(top)]
    out += ["", "inclusive time in our functions (ms/task):"]
    out += ["  %7.2f  %5.1f%%  %s" % (c * ms, 100.0 * c / total, name)
            for name, c in inclusive.most_common(top * 2)]
    return "\n".join(out)


MODES = {"gil": ["--gil"], "busy": [], "idle": ["--idle"]}


def record(service, args, out_path, fmt):
    """Record ``args.runs`` runs; their walls and the CPU they took."""
    spy = shutil.which("py-spy") or os.path.join(
        os.path.dirname(sys.executable), "py-spy")
    client = client_mod.Client(service.url, poll=args.poll)
    work = workloads.get(args.workload)
    for text in work.workflows.values():
        client.ensure_workflow(text)
    work.run(client, service)  # warm up: first-request costs out
    proc = subprocess.Popen(
        [spy, "record", "--nonblocking", "--rate", str(args.rate),
         "--format", fmt, "-o", out_path, "--pid", str(service.pid)]
        + MODES[args.mode],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # py-spy attaches
    cpu0 = services.cpu_seconds([service.pid])
    walls = [work.run(client, service)[work.name + "_s"]
             for _ in range(args.runs)]
    cpu = services.cpu_seconds([service.pid]) - cpu0
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if not os.path.exists(out_path):
        raise RuntimeError("py-spy wrote nothing: %s" % err.decode()[-500:])
    return walls, cpu


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rate", type=int, default=250, help="samples/s")
    ap.add_argument("--out", default=".", help="directory for the output")
    ap.add_argument("--mode", choices=sorted(MODES), default="gil")
    ap.add_argument("--workload", default="seq50",
                    help="seqN or itemsN: what to run while recording")
    ap.add_argument("--poll", type=float, default=0.002,
                    help="seconds between polls, as the runner's --poll")
    ap.add_argument("--svg", action="store_true",
                    help="also draw a flame graph (a second recording)")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    raw = os.path.join(args.out, "%s-%s.txt" % (args.workload, args.mode))
    service = services.Ours().start()
    try:
        walls, cpu = record(service, args, raw, "raw")
        if args.svg:
            record(service, args,
                   os.path.join(args.out, "%s-%s.svg"
                                % (args.workload, args.mode)),
                   "flamegraph")
    finally:
        service.stop()
    with open(raw) as f:
        stacks = parse(f)
    tasks = workloads.get(args.workload).size * args.runs
    wall_ms = 1000.0 * sum(walls) / tasks
    cpu_ms = 1000.0 * cpu / tasks
    print("%s x %d, poll %g s, py-spy --nonblocking %s at %d Hz: "
          "%.2f ms wall and %.2f ms server CPU per task"
          % (args.workload, args.runs, args.poll, " ".join(MODES[args.mode]),
             args.rate, wall_ms, cpu_ms))
    print(summarise(stacks, wall_ms if args.mode == "idle" else cpu_ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
