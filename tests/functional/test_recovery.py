"""An action runs once however often its run_action is delivered."""
import collections

from mistral_lib import actions as lib_actions
import pytest

from mistral_resume.db import api as db_api
from mistral_resume.db import leases as db_leases
from mistral_resume.executor import registry
from mistral_resume.executor import service as executor_service
from mistral_resume.workflow import statuses as st

LEDGER = collections.Counter()

WF = """
version: '2.0'
wf:
  tasks:
    t:
      action: test.ledger
"""


class Ledger(lib_actions.Action):
    """Counts its runs per action execution id."""

    def run(self, context):
        LEDGER[context.execution.action_execution_id] += 1
        return "ran"


@pytest.fixture(autouse=True)
def ledger(monkeypatch):
    found = dict(registry.load(), **{"test.ledger": Ledger})
    monkeypatch.setattr(registry, "load", lambda: found)
    LEDGER.clear()
    yield LEDGER


def test_duplicate_run_action_runs_once(any_stack, ledger):
    wf_ex = any_stack.run(WF)
    assert wf_ex.state == st.SUCCESS
    (task,) = any_stack.tasks(wf_ex.id)["t"]
    (ax,) = any_stack.actions(task.id)
    assert ax.executor_id is not None and ax.claimed_at is not None
    # The same message again (an outbox resend, a broker redelivery).
    endpoint = executor_service.ExecutorEndpoint(
        any_stack.engine, any_stack.conf, any_stack.db)
    assert endpoint.run_action(any_stack.ctx, ax.id, "test.ledger",
                               {}) is None
    assert ledger == {ax.id: 1}


def test_claim_is_compare_and_set(any_stack, ledger, monkeypatch):
    # Hold the action RUNNING: the executor never runs it.
    monkeypatch.setattr(executor_service.ExecutorEndpoint, "run_action",
                        lambda self, *a, **k: None)
    created = any_stack.create_workflows(WF)
    ex = any_stack.start(created[0]["name"])
    with any_stack.db.reading() as session:
        task = db_api.tasks_of(session, ex["id"])[0]
        (ax,) = db_api.actions_of(session, task.id)
    with any_stack.db.writing() as session:
        assert db_leases.claim_action(session, ax.id, "e1")
    with any_stack.db.writing() as session:
        assert not db_leases.claim_action(session, ax.id, "e2")
    with any_stack.db.reading() as session:
        assert db_api.get_action_execution(session, ax.id).executor_id == (
            "e1")
