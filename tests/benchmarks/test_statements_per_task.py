"""The SQL a task costs does not grow with the execution's history.

A sequential workflow of 120 std.noop tasks runs on the embedded engine
and executor (SQLite file, in-process transport). Every statement and
every commit the engine's database engine sees is recorded, with std.noop
run inline by the engine and again through the executor
(``benchmarks/sqlcapture.py``: SQLAlchemy's ``before_cursor_execute``,
``commit`` and ``rollback`` events) and cut into one segment per task,
each beginning with the INSERT of that task's execution. Task 10's
segment and task 110's must hold the same statements (same SQL text, in
any order) and the same number of commits. No timing is measured.

The engine runs one RPC worker thread and no periodic scheduler or
outbox scan here, so that what one task causes is not interleaved with
what the next one causes or with a timer's query; the statements of a
task are the same with more workers, only their order varies.
"""
import collections
import contextlib
import importlib.util
import os
import time
import uuid

import pytest
import sqlalchemy as sa

from mistral_resume import conf as mr_conf
from mistral_resume import context
from mistral_resume.db import models
from mistral_resume.engine import service
from mistral_resume.workflow import statuses as st
from tests.fixtures import databases

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TASKS = 120
EARLY, LATE = 10, TASKS - 10
WAIT_LIMIT = 60.0


def _load(name):
    spec = importlib.util.spec_from_file_location(
        "bench_" + name, os.path.join(REPO, "benchmarks", name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sqlcapture = _load("sqlcapture")


def seq_workflow(name, n):
    lines = ["---", "version: '2.0'", "%s:" % name, "  tasks:"]
    for i in range(1, n + 1):
        lines += ["    t%d:" % i, "      action: std.noop"]
        if i < n:
            lines.append("      on-success: t%d" % (i + 1))
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def running_stack(**overrides):
    """Engine + executor in this process on a fresh SQLite file."""
    with databases.fresh_database("sqlite") as url:
        schema = sa.create_engine(url)
        models.Base.metadata.create_all(schema)
        schema.dispose()
        conf = mr_conf.make(
            [], transport_url="inproc:///%s" % uuid.uuid4().hex,
            database__connection=url, engine__workers=1,
            engine__outbox_resend_after=3600,
            engine__scheduler_poll_interval=3600, **overrides)
        svc = service.Service(conf, ("engine", "executor")).start()
        try:
            yield svc
        finally:
            svc.stop()


@pytest.fixture(params=["inline", "executor"])
def engine_stack(request, prompt_shutdown):
    """std.noop run by the engine one task per unit of work
    (``inline_batch`` 1: by default a whole batch of tasks is written by
    one INSERT of many rows), or by the executor (none inline)."""
    overrides = {"inline": {"engine__inline_batch": 1},
                 "executor": {"engine__inline_actions": []}}[request.param]
    with running_stack(**overrides) as svc:
        yield svc


@pytest.fixture
def default_stack(prompt_shutdown):
    with running_stack() as svc:
        yield svc


def wait_for(svc, ex_id):
    deadline = time.monotonic() + WAIT_LIMIT
    while True:
        with svc.db.reading() as session:
            state = session.get(models.WorkflowExecution, ex_id).state
        if state in st.COMPLETED:
            return state
        assert time.monotonic() < deadline, "execution still %s" % state
        time.sleep(0.005)


def segments(events):
    """Events cut before each INSERT of a task execution; [0] is before."""
    cut = [[]]
    for ev in events:
        if sqlcapture.shape(ev) == "INSERT task_executions":
            cut.append([])
        cut[-1].append(ev)
    return cut


def statements(segment):
    return sorted(ev.statement for ev in segment if ev.kind == "sql")


def _capture_run(svc):
    ctx = context.RequestContext()
    svc.engine_client.create_workflows(ctx, seq_workflow("seq_n", TASKS))
    capture = sqlcapture.Capture(svc.db.engine)
    capture.ignore_this_thread()
    capture.enabled = True
    try:
        ex = svc.engine_client.start_workflow(ctx, "seq_n")
        assert wait_for(svc, ex["id"]) == st.SUCCESS
    finally:
        capture.enabled = False
        capture.close()
    return capture.events


def test_a_chain_of_inline_noops_is_written_in_a_few_statements(
        default_stack):
    svc = default_stack
    assert svc.conf.engine.inline_batch >= TASKS
    kinds = collections.Counter(sqlcapture.shape(ev)
                                for ev in _capture_run(svc))
    # One unit of work: all task rows in one INSERT of many rows, all
    # action rows in another, one commit.
    assert kinds["INSERT task_executions"] == 1, kinds
    assert kinds["INSERT action_executions"] == 1, kinds
    assert kinds["commit"] == 1, kinds
    # The execution was created by that unit of work, so whether its
    # tasks are done, and which are its end tasks, is known without
    # asking the database; its rows are written once (no UPDATE of them).
    assert kinds["SELECT task_executions"] == 0, kinds
    assert kinds["UPDATE task_executions"] == 0, kinds
    assert sum(n for shape, n in kinds.items()
               if shape not in ("commit", "rollback")) < 12, kinds


def test_statements_and_commits_per_task_do_not_grow(engine_stack):
    cut = segments(_capture_run(engine_stack))
    # (Inline, the first two tasks are written by the first unit of work.)
    assert len(cut) in (TASKS, TASKS + 1)
    early, late = cut[EARLY], cut[LATE]
    kinds = collections.Counter(sqlcapture.shape(ev) for ev in early)
    # The segment is a whole task: its row, its action, its completion,
    # and the commits of its units of work.
    for shape in ("INSERT task_executions", "INSERT action_executions",
                  "UPDATE task_executions", "commit"):
        assert kinds[shape] >= 1, (shape, kinds)
    assert statements(late) == statements(early)
    assert (collections.Counter(sqlcapture.shape(ev) for ev in late)
            == kinds)
