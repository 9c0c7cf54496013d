#!/usr/bin/env python3
"""The REST API's hot requests, in process, with no socket and no client.

    python benchmarks/api_micro.py [--requests 2000] [--runs 3]

The embedded service (engine, executor, API) runs in this process on a
fresh SQLite file holding one finished execution of 50 chained noops.
Each hot request is then sent straight to the WSGI application (a plain
``environ``: no WebTest, no HTTP parsing) ``--requests`` times per run,
and the run reports requests/s (wall) and the CPU of the calling thread
per request (``time.thread_time``: the API's own work, not the engine's
threads answering an RPC). The median of ``--runs`` runs is printed.

``POST /v2/executions`` names an existing execution ``id`` (Mistral's
idempotent create): the API's path without starting work that would
then compete for the CPU being measured. ``PUT`` changes the
description, a call to the engine.
"""
import argparse
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(BENCH))

from mistral_resume import conf as mr_conf  # noqa: E402
from mistral_resume import context  # noqa: E402
from mistral_resume.db import database  # noqa: E402
from mistral_resume.db import models  # noqa: E402
from mistral_resume.engine import service  # noqa: E402
from mistral_resume.workflow import statuses as st  # noqa: E402

sys.path.insert(0, BENCH)
import workloads  # noqa: E402

TASKS = 50
NAME = "micro_seq%d" % TASKS


def _environ(method, path, query="", body=None):
    data = json.dumps(body).encode("utf-8") if body is not None else b""
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
        "SCRIPT_NAME": "", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "localhost",
        "HTTP_ACCEPT": "application/json",
        "HTTP_X_PROJECT_ID": "bench", "HTTP_X_USER_ID": "bench",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
        "wsgi.multithread": True, "wsgi.multiprocess": False,
        "wsgi.run_once": False}
    if body is not None:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(data))
    return environ


def call(app, method, path, query="", body=None):
    """``(status, body bytes)``."""
    status = []

    def start_response(s, headers, exc_info=None):
        status.append(s)

    chunks = app(_environ(method, path, query, body), start_response)
    data = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return status[0], data


def requests_of(ex_id):
    """``{label: (method, path, query, body, expected status)}``."""
    return {
        "GET /v2/executions/<id>": (
            "GET", "/v2/executions/" + ex_id, "", None, "200"),
        "GET /v2/executions": ("GET", "/v2/executions", "", None, "200"),
        "GET /v2/tasks?workflow_execution_id=": (
            "GET", "/v2/tasks", "workflow_execution_id=" + ex_id, None,
            "200"),
        "PUT /v2/executions/<id>": (
            "PUT", "/v2/executions/" + ex_id, "",
            {"description": "micro"}, "200"),
        "POST /v2/executions (id exists)": (
            "POST", "/v2/executions", "",
            {"workflow_name": NAME, "id": ex_id}, "201"),
    }


def measure(app, request, count):
    """``(requests/s, CPU ms per request)`` of ``count`` requests."""
    method, path, query, body, expected = request
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(count):
        status, data = call(app, method, path, query, body)
        if not status.startswith(expected):
            raise SystemExit("%s %s: %s %s" % (method, path, status, data))
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    return count / wall, cpu * 1000.0 / count


def setup(folder):
    url = "sqlite:///%s" % os.path.join(folder, "micro.db")
    conf = mr_conf.make(
        [], transport_url="inproc:///%s" % uuid.uuid4().hex,
        database__connection=url)
    db = database.Database(url)
    models.Base.metadata.create_all(db.engine)
    svc = service.Service(conf, ("engine", "executor"), db=db).start()
    ctx = context.RequestContext(project_id="bench", user_id="bench")
    svc.engine_client.create_workflows(ctx, workloads.wf_seq(NAME, TASKS))
    ex_id = svc.engine_client.start_workflow(ctx, NAME)["id"]
    app = svc.wsgi_app()
    deadline = time.monotonic() + 120
    while json.loads(call(app, "GET", "/v2/executions/" + ex_id)[1])[
            "state"] != st.SUCCESS:
        if time.monotonic() > deadline:
            raise SystemExit("the execution did not finish")
        time.sleep(0.05)
    return svc, db, app, ex_id


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="api-micro-")
    svc, db, app, ex_id = setup(folder)
    results = {}
    try:
        for label, request in requests_of(ex_id).items():
            measure(app, request, 50)  # warm up caches and connections
            runs = [measure(app, request, args.requests)
                    for _ in range(args.runs)]
            rate = statistics.median(r for r, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            results[label] = {"requests_per_s": round(rate, 1),
                              "cpu_ms_per_request": round(cpu, 3)}
            print("%-38s %8.1f req/s %7.3f ms CPU" % (label, rate, cpu),
                  flush=True)
    finally:
        svc.stop()
        db.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
