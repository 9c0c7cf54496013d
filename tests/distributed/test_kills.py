"""Engines and executors killed with SIGKILL at seeded random moments.

Each round starts a few executions, waits a random moment, SIGKILLs one
engine or executor (its whole process group) and starts it again. Then
every execution must reach its terminal state: SUCCESS (always, when
only engines were killed), or, for a workflow without ``safe-rerun`` whose
executor was killed, ERROR caused only by actions whose executor was
lost. No action without ``safe-rerun`` may start twice, nothing stays
RUNNING, and each join runs at most once (exactly once on SUCCESS).

``MR_TEST_SEED`` replays a run (the seed is in every failure message).
"""
import os
import random
import time

import pytest

from tests.distributed import client
from tests.distributed import figures
from tests.distributed import workloads

SIZE = workloads.SIZE
pytestmark = pytest.mark.timeout(SIZE["timeout"])
# Long enough that a kill lands while actions run.
ACTION_SECONDS = 0.3


def _seed():
    return int(os.environ.get("MR_TEST_SEED") or random.randrange(10 ** 6))


def _run_rounds(cluster, role, rng):
    """Start executions and kill a ``role`` process, ``kill_rounds``
    times; return ``{execution id: safe?}``."""
    started = {}
    for _ in range(SIZE["kill_rounds"]):
        for i in range(SIZE["kill_executions"]):
            safe = i % 2 == 0
            ex = cluster.api.start("safe_wf" if safe else "unsafe_wf")
            started[ex["id"]] = safe
        time.sleep(rng.uniform(0.1, 2.0))  # the seeded moment of the kill
        victim = rng.choice(cluster.of(role))
        cluster.kill(victim.name)
    return started


def _check(cluster, started, final, seed, executors_lost):
    where = "seed %d, kills %s" % (seed, cluster.kills)
    store = cluster.store
    joins = store.tasks("joined")
    for ex_id, safe in started.items():
        _, state, info = final[ex_id]
        joined = joins.get(ex_id, [])
        if state == "SUCCESS":
            assert [s for _, s in joined] == ["SUCCESS"], (ex_id, where)
            continue
        assert executors_lost and not safe, (
            "ended %s (safe-rerun: %s, executors killed: %s): %s (%s)"
            % (state, safe, executors_lost, info, where))
        assert state == "ERROR" and len(joined) <= 1, (ex_id, state, where)
        failed = store.failed_actions(ex_id)
        assert failed and all(client.LOST in (info or "")
                              for info in failed), (ex_id, failed, where)
    report = client.exactly_once(
        store, cluster.ledger,
        may_repeat=lambda row: started.get(row.root_execution_id, False))
    assert report["duplicates"] == {}, (report, where)
    assert report["unstarted"] == [] and report["unknown"] == [], (
        report, where)
    return report


@pytest.mark.parametrize("role", ["engine", "executor"])
def test_killed_processes_leave_nothing_stuck(pg_cluster, role):
    cluster = pg_cluster
    seed = _seed()
    rng = random.Random(seed)
    branches = SIZE["kill_branches"]
    cluster.api.create_workflow(workloads.join(
        "safe_wf", branches, sleep=ACTION_SECONDS, safe_rerun=True))
    cluster.api.create_workflow(workloads.join(
        "unsafe_wf", branches, sleep=ACTION_SECONDS))
    began = time.monotonic()

    started = _run_rounds(cluster, role, rng)
    final = client.wait_terminal(cluster, cluster.store, list(started))

    # An engine's death loses no action: only a dead executor's may fail.
    report = _check(cluster, started, final, seed,
                    executors_lost=role == "executor")
    states = [state for _, state, _ in final.values()]
    figures.record(
        "kills-%s" % role, seed=seed, executions=len(started),
        kills=len(cluster.kills), success=states.count("SUCCESS"),
        error=states.count("ERROR"), action_runs=report["runs"],
        actions=report["actions"], lost=len(report["lost"]),
        duplicates=len(report["duplicates"]),
        seconds=round(time.monotonic() - began, 1))
    assert len(cluster.kills) == SIZE["kill_rounds"]
