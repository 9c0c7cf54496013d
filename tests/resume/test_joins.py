"""Skip or re-run a failed branch of a join: the join runs exactly once."""
import pytest

from mistral_resume.workflow import statuses as st
from tests.resume import helpers

JOIN = """\
---
version: '2.0'
join_wf:
  output:
    got: <% $.got %>
  tasks:
    a:
      action: std.test_dict size=<% env().size %>
      publish:
        got: <% task().result %>
      on-success: j
    b:
      action: std.noop
      on-success: j
    j:
      join: all
      action: std.echo output=<% $.got %>
      on-success: end
    end:
      action: std.noop
"""


@pytest.mark.parametrize("resume, expected_a", [
    ({"task": "a", "mode": "skip", "output": {"k": "v"}},
     [st.SKIPPED, st.SUCCESS]),
    ({"task": "a", "env": {"size": 1}}, [st.SUCCESS]),
])
def test_failed_branch_resumed_join_runs_once(stack, resume, expected_a):
    ex, tasks = helpers.failed(stack, JOIN, "join_wf", env={"size": "bad"})
    stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING", "resume": resume})
    final = stack.wait_for(ex["id"])
    assert final.state == st.SUCCESS, final.state_info
    states = stack.task_states(ex["id"])
    assert states["a"] == expected_a
    assert states["b"] == [st.SUCCESS]
    # The join that failed waiting for 'a' is reused, not duplicated.
    assert states["j"] == [st.SUCCESS]
    assert states["end"] == [st.SUCCESS]
