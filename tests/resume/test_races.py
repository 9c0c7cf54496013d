"""Concurrent resume requests: one wins, or all get the first answer.

Runs on every backend; on PostgreSQL and MariaDB the requests really race
for the root execution's row lock.
"""
import concurrent.futures

from mistral_resume import exceptions as exc
from mistral_resume.workflow import requests
from mistral_resume.workflow import statuses as st
from tests.resume import helpers

CLIENTS = 20


def _failed_t2(stack):
    ex, tasks = helpers.failed(stack, helpers.CHAIN, "chain",
                               env={"size": "bad"})
    return ex, tasks["t2"]["id"]


def _race(stack, task_id, key_of):
    body = requests.to_dict(requests.from_task_door(
        task_id, "RUNNING", env={"size": 1}))

    def one(i):
        try:
            return stack.engine.resume_task(stack.ctx, task_id, body,
                                            idempotency_key=key_of(i))
        except exc.Conflict as e:
            return e

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(one, range(CLIENTS)))


def test_different_requests_racing_one_wins(any_stack):
    stack = any_stack
    ex, task_id = _failed_t2(stack)
    answers = _race(stack, task_id, key_of=lambda i: "key-%d" % i)
    wins = [a for a in answers if isinstance(a, dict)]
    losses = [a for a in answers if isinstance(a, exc.Conflict)]
    assert len(wins) == 1 and len(losses) == CLIENTS - 1
    assert all("only a failed (ERROR) task" in str(e) or "RUNNING" in str(e)
               for e in losses)
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    actions = stack.actions(task_id)
    assert [(a.state, a.accepted) for a in actions] == [
        (st.ERROR, False), (st.SUCCESS, True)]
    comments = helpers.execution(stack, ex["id"])["comments"]
    assert len(comments) == 1


def test_same_idempotency_key_racing_runs_once(any_stack):
    stack = any_stack
    ex, task_id = _failed_t2(stack)
    answers = _race(stack, task_id, key_of=lambda i: "same-key")
    assert all(isinstance(a, dict) for a in answers), answers
    assert len({a["id"] for a in answers}) == 1
    assert all(a == answers[0] for a in answers)
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    assert len(stack.actions(task_id)) == 2
