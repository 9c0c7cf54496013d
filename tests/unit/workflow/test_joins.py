"""The pure join rules (Mistral 23's logical join state), table-driven."""
import pytest

from mistral_resume.spec import models as spec_models
from mistral_resume.workflow import joins

IN = ["a", "b", "c"]


@pytest.mark.parametrize("join,arrived,may_arrive,kind", [
    ("all", {"a", "b", "c"}, set(), joins.RUN),
    ("all", {"a", "b"}, {"c"}, joins.WAIT),
    ("all", {"a", "b"}, set(), joins.FAIL),
    ("all", set(), {"a", "b", "c"}, joins.WAIT),
    (2, {"a", "b"}, set(), joins.RUN),
    (2, {"a"}, {"b"}, joins.WAIT),
    (2, {"a"}, set(), joins.FAIL),
    (1, {"c"}, set(), joins.RUN),
    (1, set(), {"a"}, joins.WAIT),
    (1, set(), set(), joins.FAIL),
])
def test_decide(join, arrived, may_arrive, kind):
    assert joins.decide(join, IN, arrived, may_arrive).kind == kind


def test_failure_names_the_lost_tasks():
    decision = joins.decide("all", IN, {"a"}, {"b"})
    assert decision.state_info == "Failed by tasks: ['c']"
    decision = joins.decide("all", IN, {"a"}, set())
    assert decision.state_info == "Failed by tasks: ['b', 'c']"


def _wf(edges):
    tasks = {}
    for name, targets in edges.items():
        tasks[name] = spec_models.TaskSpec(
            name=name, on_success=[spec_models.Transition(t)
                                   for t in targets])
    tasks["j"].join = "all"
    return spec_models.WorkflowSpec(name="wf", tasks=tasks)


def test_upstream_and_affected_joins_follow_cycles():
    wf = _wf({"s": ["a", "b"], "a": ["j"], "b": ["j"], "j": ["s2"],
              "s2": ["a"], "x": []})
    assert joins.upstream(wf, "a") == {"a", "s", "s2", "j", "b"}
    assert joins.affected_joins(wf, "s") == ["j"]
    assert joins.affected_joins(wf, "x") == []
