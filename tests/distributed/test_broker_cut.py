"""The broker goes away mid-run and comes back.

Every process reaches RabbitMQ through a TCP proxy of the test's own (the
machine's shared broker is never restarted). While joins run, the proxy
cuts every connection and refuses new ones for a seeded random while, then
accepts again: the run still completes, every action exactly once.
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


def _wait_for_runs(cluster, count):
    """Until the ledger shows ``count`` starts (so the cut lands mid-run)."""
    deadline = time.monotonic() + cluster.timing.stall_limit()
    while sum(client.read_ledger(cluster.ledger).values()) < count:
        assert time.monotonic() < deadline, "no action started"
        time.sleep(0.05)


def test_broker_cut_and_restored_mid_run(proxied_cluster, proxy):
    cluster = proxied_cluster
    seed = int(os.environ.get("MR_TEST_SEED") or random.randrange(10 ** 6))
    rng = random.Random(seed)
    cluster.api.create_workflow(workloads.join("cut_wf", 10, sleep=0.1))
    began = time.monotonic()
    ex_ids = [cluster.api.start("cut_wf")["id"]
              for _ in range(SIZE["broker_executions"])]
    _wait_for_runs(cluster, rng.randint(1, 10))
    assert proxy.connections > 0

    proxy.cut()
    time.sleep(rng.uniform(1.0, 3.0))  # the seeded length of the outage
    assert all(p.alive() for p in cluster.processes.values())
    proxy.restore()

    final = client.wait_terminal(cluster, cluster.store, ex_ids)
    assert {state for _, state, _ in final.values()} == {"SUCCESS"}, (
        seed, final)
    joins = cluster.store.tasks("joined")
    assert all(len(joins[i]) == 1 for i in ex_ids), seed
    report = client.exactly_once(cluster.store, cluster.ledger)
    assert report["duplicates"] == {} and report["lost"] == [], report
    assert report["unstarted"] == [] and report["unknown"] == [], report
    assert proxy.connections > 0  # the processes came back through it
    figures.record("broker-cut", seed=seed, executions=len(ex_ids),
                   cuts=proxy.cuts, action_runs=report["runs"],
                   duplicates=len(report["duplicates"]),
                   seconds=round(time.monotonic() - began, 1))
