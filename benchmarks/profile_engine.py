#!/usr/bin/env python3
"""Where our time goes: py-spy on the embedded server during seq50.

    python benchmarks/profile_engine.py [--runs 10] [--out DIR] [--svg]

Starts the embedded server, records it with ``py-spy record --nonblocking
--format raw`` (collapsed stacks, idle threads left out) while it runs
seq50 ``--runs`` times, and prints the busy time per task: by package
where the sample was taken (self), and by function of ours (inclusive).
``--svg`` repeats the run to draw a flame graph. Needs ``py-spy`` in the
environment (``pip install py-spy``) and permission to ptrace.
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


def summarise(stacks, rate, tasks, top=12):
    ms = 1000.0 / rate / tasks  # one sample, in ms per task
    total = sum(c for _, c in stacks)
    self_area = collections.Counter()
    inclusive = collections.Counter()
    waiting = sum(c for f, c in stacks if f and idle(f))
    total -= waiting
    for frames, count in stacks:
        if not frames or idle(frames):
            continue
        self_area[area(frames[-1][1])] += count
        for func, path in {(f, p) for f, p in frames
                           if "mistral_resume/" in p}:
            short = path.rsplit("mistral_resume/", 1)[1]
            inclusive["%s (%s)" % (func, short)] += count
    out = ["samples: %d = %.2f ms of thread time per task (%d more of "
           "idle pool threads left out)" % (total, total * ms, waiting),
           "", "self time by package (ms/task):"]
    out += ["  %7.2f  %5.1f%%  %s" % (c * ms, 100.0 * c / total, name)
            for name, c in self_area.most_common(top)]
    out += ["", "inclusive time in our functions (ms/task):"]
    out += ["  %7.2f  %5.1f%%  %s" % (c * ms, 100.0 * c / total, name)
            for name, c in inclusive.most_common(top * 2)]
    return "\n".join(out)


def record(service, runs, rate, out_path, fmt, with_idle=False):
    spy = shutil.which("py-spy") or os.path.join(
        os.path.dirname(sys.executable), "py-spy")
    client = client_mod.Client(service.url, poll=0.002)
    seq50 = workloads.get("seq50")
    for text in seq50.workflows.values():
        client.ensure_workflow(text)
    seq50.run(client, service)  # warm up: first-request costs out
    proc = subprocess.Popen(
        [spy, "record", "--nonblocking", "--rate", str(rate), "--format",
         fmt, "-o", out_path, "--pid", str(service.pid)]
        + (["--idle"] if with_idle else []),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # py-spy attaches
    walls = [seq50.run(client, service)["seq50_s"] for _ in range(runs)]
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if not os.path.exists(out_path):
        raise RuntimeError("py-spy wrote nothing: %s" % err.decode()[-500:])
    return walls


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rate", type=int, default=250, help="samples/s")
    ap.add_argument("--out", default=".", help="directory for the output")
    ap.add_argument("--idle", action="store_true",
                    help="sample waiting threads too (I/O, locks): wall "
                         "time rather than busy time")
    ap.add_argument("--svg", action="store_true",
                    help="also draw a flame graph (a second recording)")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    raw = os.path.join(args.out, "seq50-profile%s.txt"
                       % ("-idle" if args.idle else ""))
    service = services.Ours().start()
    try:
        walls = record(service, args.runs, args.rate, raw, "raw",
                       args.idle)
        if args.svg:
            record(service, args.runs, args.rate,
                   os.path.join(args.out, "seq50-profile.svg"), "flamegraph")
    finally:
        service.stop()
    with open(raw) as f:
        stacks = parse(f)
    wall = sorted(walls)[len(walls) // 2]
    print("seq50 x %d under py-spy --nonblocking%s at %d Hz: median %.3f s "
          "(%.2f ms per task)" % (args.runs, " --idle" if args.idle else "",
                                  args.rate, wall, wall * 20.0))
    print(summarise(stacks, args.rate, 50 * args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
