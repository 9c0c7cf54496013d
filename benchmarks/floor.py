#!/usr/bin/env python3
"""The floor: the engine's own SQL, replayed with no engine around it.

    python benchmarks/floor.py                          # SQLite file
    python benchmarks/floor.py --backend postgresql mysql --json f.json

For each workload (``seqN``, ``parKxN``) on each backend:

1. the engine and executor run in this process, as the embedded server
   runs them (same ``Database`` settings: SQLite WAL file with
   ``synchronous=NORMAL``, READ COMMITTED on MariaDB; in-process
   transport; schema by the packaged migrations) on a fresh database;
   the workload runs once to warm up and to time the engine, then once
   more while ``sqlcapture.Capture`` records every statement with its
   parameters, every commit and every rollback;
2. a second fresh database gets the same schema and the statements that
   created the workflow definitions; then the captured transactions are
   replayed one after the other, in the order they ended, on one raw
   DBAPI connection of that database (cursor.execute / executemany with
   the captured parameters, rows fetched, commit / rollback) and timed.

The engine's tasks/s against the replay's is how far the engine is from
what this machine's database can do for the same work ("engine is Nx
the floor"). The replay is serial on one connection: the engine spreads
the same statements over threads and connections, which on SQLite still
queue for the one writer; on PostgreSQL and MariaDB concurrent
transactions could go faster than this floor.
"""
import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(BENCH))

import sqlalchemy as sa  # noqa: E402

from mistral_resume import conf as mr_conf  # noqa: E402
from mistral_resume import context  # noqa: E402
from mistral_resume.db import migration  # noqa: E402
from mistral_resume.db import models  # noqa: E402
from mistral_resume.engine import service  # noqa: E402
from mistral_resume.workflow import statuses as st  # noqa: E402

sys.path.insert(0, BENCH)
import sqlcapture  # noqa: E402
import workloads  # noqa: E402

SERVERS = {
    "postgresql": "postgresql+psycopg2://postgres@127.0.0.1:5432/test",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4",
}
DEFAULT_WORKLOADS = ("par20x10", "seq50")
_SHAPE = re.compile(r"^(?:seq(\d+)|par(\d+)x(\d+))$")


def shape_of(name):
    """``(executions, tasks each)`` of a ``seqN`` / ``parKxN`` name."""
    m = _SHAPE.match(name)
    if not m:
        raise ValueError("floor workloads are seqN or parKxN, not %r" % name)
    return (1, int(m[1])) if m[1] else (int(m[2]), int(m[3]))


@contextlib.contextmanager
def fresh_database(backend, server_url=None):
    """The URL of a new, empty database; dropped (or deleted) after."""
    if backend == "sqlite":
        tmp = tempfile.mkdtemp(prefix="mr-floor-")
        try:
            yield "sqlite:///%s" % os.path.join(tmp, "mistral-resume.sqlite")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    base = sa.make_url(server_url or SERVERS[backend])
    name = "mr_floor_%s" % uuid.uuid4().hex[:12]
    admin = sa.create_engine(base, poolclass=sa.pool.NullPool,
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("CREATE DATABASE %s" % name))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text("DROP DATABASE IF EXISTS %s%s" % (
                name, " WITH (FORCE)" if backend == "postgresql" else "")))
        admin.dispose()


class EngineRun:
    """Engine + executor in this process on ``url``, as the server runs."""

    def __init__(self, url):
        migration.upgrade(url)
        conf = mr_conf.make(
            [], transport_url="inproc:///floor-%s" % uuid.uuid4().hex,
            database__connection=url)
        self.svc = service.Service(conf, ("engine", "executor")).start()
        self.ctx = context.RequestContext()
        self.capture = sqlcapture.Capture(self.svc.db.engine)
        self.capture.ignore_this_thread()

    def stop(self):
        self.capture.close()
        self.svc.stop()
        self.svc.db.dispose()

    def create(self, text):
        self.svc.engine_client.create_workflows(self.ctx, text)

    def run(self, wf_name, k, limit=600.0):
        """Start ``k`` executions at once, wait for all; the seconds."""
        ids, errors = [None] * k, []

        def go(i):
            try:
                ids[i] = self.svc.engine_client.start_workflow(
                    self.ctx, wf_name)["id"]
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
        threads = [threading.Thread(target=go, args=(i,)) for i in range(k)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise RuntimeError("%d starts failed: %s" % (len(errors),
                                                         errors[0]))
        deadline = t0 + limit
        for ex_id in ids:
            while self._state(ex_id) not in st.COMPLETED:
                if time.monotonic() > deadline:
                    raise RuntimeError("execution %s not done" % ex_id)
                time.sleep(0.002)
        return time.monotonic() - t0

    def _state(self, ex_id):
        with self.svc.db.reading() as session:
            return session.get(models.WorkflowExecution, ex_id).state

    def settle(self, quiet=0.2, limit=10.0):
        """Wait until no statement came for ``quiet`` s (outbox deletes)."""
        deadline = time.monotonic() + limit
        seen = -1
        while len(self.capture.events) != seen and \
                time.monotonic() < deadline:
            seen = len(self.capture.events)
            time.sleep(quiet)

    def recorded(self, func):
        """Run ``func()`` while capturing; its result and the events."""
        self.capture.events = []
        self.capture.enabled = True
        try:
            result = func()
            self.settle()
        finally:
            self.capture.enabled = False
        return result, list(self.capture.events)


def replay(db_class, url, setup_events, events):
    """Replay ``setup_events`` untimed, then ``events``; seconds, errors."""
    db = db_class(url)
    raw = db.engine.raw_connection()
    try:
        conn = raw.dbapi_connection
        _replay(conn, setup_events)
        t0 = time.perf_counter()
        errors = _replay(conn, events)
        return time.perf_counter() - t0, errors
    finally:
        raw.close()
        db.dispose()


def _replay(conn, events):
    txs = sqlcapture.transactions(events)
    # The order in which they ended is the order their writes took effect.
    txs.sort(key=lambda tx: tx[-1].seq)
    cursor = conn.cursor()
    errors = 0
    for tx in txs:
        for ev in tx:
            if ev.kind == "commit":
                conn.commit()
            elif ev.kind == "rollback":
                conn.rollback()
            else:
                try:
                    _execute(cursor, ev)
                except Exception:  # noqa: BLE001 - counted, reported
                    errors += 1
                    conn.rollback()
                    break
    cursor.close()
    return errors


def _execute(cursor, ev):
    if ev.many:
        cursor.executemany(ev.statement, ev.parameters)
    elif ev.parameters:
        cursor.execute(ev.statement, ev.parameters)
    else:
        cursor.execute(ev.statement)
    if cursor.description:
        cursor.fetchall()


def measure(backend, names, repeat=3, server_url=None, log=print):
    """``{workload: figures}`` for one backend."""
    out = {}
    with fresh_database(backend, server_url) as url:
        run = EngineRun(url)
        try:
            db_class = type(run.svc.db)
            setups = {}
            for name in names:
                k, n = shape_of(name)
                wf = workloads.SEQ_NAME % n
                if wf not in setups:
                    setups[wf] = run.recorded(lambda wf=wf, n=n: run.create(
                        workloads.wf_seq(wf, n)))[1]
                setup = setups[wf]
                engine_s = [run.run(wf, k) for _ in range(repeat)]
                captured_s, events = run.recorded(
                    lambda wf=wf, k=k: run.run(wf, k))
                replay_s, errors = [], 0
                for _ in range(repeat):
                    with fresh_database(backend, server_url) as url2:
                        migration.upgrade(url2)
                        seconds, errs = replay(db_class, url2, setup, events)
                    replay_s.append(seconds)
                    errors += errs
                out[name] = _figures(k * n, engine_s, captured_s, replay_s,
                                     events, errors)
                log("  floor %-8s %-9s %s" % (backend, name, json.dumps(
                    {k: v for k, v in out[name].items()
                     if not isinstance(v, dict)})))
        finally:
            run.stop()
    return out


def _figures(tasks, engine_s, captured_s, replay_s, events, errors):
    engine = statistics.median(engine_s)
    floor = statistics.median(replay_s)
    sql = [e for e in events if e.kind == "sql"]
    shapes = {}
    for ev in events:
        key = sqlcapture.shape(ev)
        shapes[key] = shapes.get(key, 0) + 1
    return {
        "tasks": tasks,
        "engine_s": round(engine, 4),
        "engine_tasks_per_s": round(tasks / engine, 1),
        "engine_captured_s": round(captured_s, 4),
        "floor_s": round(floor, 4),
        "floor_tasks_per_s": round(tasks / floor, 1),
        "engine_x_floor": round(engine / floor, 2),
        "statements_per_task": round(len(sql) / tasks, 2),
        "commits_per_task": round(sum(e.kind == "commit" for e in events)
                                  / tasks, 2),
        "transactions_per_task": round(
            len(sqlcapture.transactions(events)) / tasks, 2),
        "replay_errors": errors,
        "runs": {"engine_s": [round(x, 4) for x in engine_s],
                 "floor_s": [round(x, 5) for x in replay_s]},
        "per_task": {k: round(v / tasks, 2) for k, v in sorted(
            shapes.items(), key=lambda kv: -kv[1])},
    }


def measure_all(backends, names, repeat=3, log=print):
    return {b: measure(b, names, repeat, log=log) for b in backends}


def table(floor_doc, rest=None):
    """Markdown rows: engine vs floor per backend and workload."""
    rest = rest or {}
    lines = ["| backend | workload | engine tasks/s (in-process) | "
             "floor tasks/s (replay) | engine is Nx the floor | "
             "REST tasks/s (run.py) | statements / commits per task |",
             "|---|---|---|---|---|---|---|"]
    for backend, results in floor_doc.items():
        for name, f in results.items():
            rest_rate = rest.get(name)
            lines.append("| %s | %s | %.0f | %.0f | %.1fx | %s | %.1f / %.1f |"
                         % (backend, name, f["engine_tasks_per_s"],
                            f["floor_tasks_per_s"], f["engine_x_floor"],
                            "%.0f (%.1fx the floor)" % (
                                rest_rate, f["floor_tasks_per_s"] / rest_rate)
                            if rest_rate else "-",
                            f["statements_per_task"],
                            f["commits_per_task"]))
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backend", nargs="+", default=["sqlite"],
                    choices=("sqlite", "postgresql", "mysql"))
    ap.add_argument("--workloads", nargs="+", default=list(DEFAULT_WORKLOADS))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    for name in args.workloads:
        shape_of(name)

    def log(line):
        print(line, file=sys.stderr, flush=True)
    doc = measure_all(args.backend, args.workloads, args.repeat, log=log)
    text = json.dumps(doc, indent=1, sort_keys=True)
    print(text)
    print(table(doc))
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
