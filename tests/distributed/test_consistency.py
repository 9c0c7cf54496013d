"""3 engines, 2 executors and 1 API on RabbitMQ, on PostgreSQL and MariaDB.

Joins reached from many branches, with-items items completing on different
engines, and 20 identical resume requests at once: every execution ends in
the expected state, each join runs once, every action runs exactly once.
"""
import concurrent.futures
import threading
import time

import pytest

from tests.distributed import client
from tests.distributed import figures
from tests.distributed import workloads

SIZE = workloads.SIZE
pytestmark = pytest.mark.timeout(SIZE["timeout"])


def _clean(cluster, name, began, ex_ids):
    report = client.exactly_once(cluster.store, cluster.ledger,
                                 roots=set(ex_ids))
    assert report["duplicates"] == {}, report
    assert report["unstarted"] == [] and report["unknown"] == [], report
    assert report["lost"] == [], report
    figures.record(name, backend=cluster.store.engine.dialect.name,
                   executions=len(ex_ids), action_runs=report["runs"],
                   duplicates=len(report["duplicates"]),
                   seconds=round(time.monotonic() - began, 1))


def _start_many(api, name, count, **kwargs):
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        return list(pool.map(lambda _: api.start(name, **kwargs)["id"],
                             range(count)))


def test_join_from_many_branches(shared_cluster):
    cluster = shared_cluster
    name = "join_%d" % SIZE["branches"]
    cluster.api.create_workflow(workloads.join(name, SIZE["branches"]))
    began = time.monotonic()
    ex_ids = _start_many(cluster.api, name, SIZE["executions"])

    final = client.wait_terminal(cluster, cluster.store, ex_ids)

    assert {state for _, state, _ in final.values()} == {"SUCCESS"}, final
    joins = cluster.store.tasks("joined")
    assert {i: len(joins[i]) for i in ex_ids} == dict.fromkeys(ex_ids, 1)
    assert all(tasks[0][1] == "SUCCESS" for tasks in joins.values())
    actions = cluster.store.ledger_actions()
    mine = [a for a in actions.values() if a.root_execution_id in final]
    assert len(mine) == SIZE["executions"] * (SIZE["branches"] + 1)
    _clean(cluster, "join", began, ex_ids)


def test_with_items_at_concurrency(shared_cluster):
    cluster = shared_cluster
    name = "items_%d" % SIZE["items"]
    cluster.api.create_workflow(
        workloads.with_items(name, SIZE["concurrency"]))
    began = time.monotonic()
    ex_id = cluster.api.start(
        name, wf_input={"items": list(range(SIZE["items"]))})["id"]

    final = client.wait_terminal(cluster, cluster.store, [ex_id])

    assert final[ex_id][1] == "SUCCESS", final
    tasks = cluster.store.tasks("each")[ex_id]
    assert [state for _, state in tasks] == ["SUCCESS"]
    items = [a for a in cluster.store.ledger_actions().values()
             if a.task_execution_id == tasks[0][0]]
    assert len(items) == SIZE["items"]
    assert all(a.state == "SUCCESS" and a.accepted for a in items)
    _clean(cluster, "with-items", began, [ex_id])


def test_identical_resumes_at_once_run_the_task_once(shared_cluster):
    cluster = shared_cluster
    cluster.api.create_workflow(workloads.RESUME)
    began = time.monotonic()
    ex_id = cluster.api.start("resume_wf", env={"fail": True})["id"]
    assert client.wait_terminal(cluster, cluster.store,
                                [ex_id])[ex_id][1] == "ERROR"
    [(task_id, state)] = cluster.store.tasks("flaky")[ex_id]
    assert state == "ERROR"

    clients = SIZE["clients"]
    barrier = threading.Barrier(clients)
    body = {"state": "RUNNING", "reset": True, "env": {"fail": False}}

    def resume(_):
        barrier.wait()
        return cluster.api.put_task(task_id, body)

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(resume, range(clients)))

    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * (clients - 1), [
        (a.status_code, a.text) for a in answers]
    final = client.wait_terminal(cluster, cluster.store, [ex_id])
    assert final[ex_id][1] == "SUCCESS", final
    runs = sorted((a.state, bool(a.accepted))
                  for a in cluster.store.ledger_actions().values()
                  if a.task_execution_id == task_id)
    assert runs == [("ERROR", False), ("SUCCESS", True)]
    assert [s for _, s in cluster.store.tasks("last")[ex_id]] == ["SUCCESS"]
    _clean(cluster, "resume-race", began, [ex_id])
