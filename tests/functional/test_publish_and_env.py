"""Environments and advanced publish end to end.

Facts from mistral/engine/workflows.py (``params.env`` given by name is
replaced by the stored environment's variables; an unknown name is refused
with "Environment is not found"), mistral/tests/unit/engine/
test_environment.py (``env()`` in task input, publish and sub-workflows)
and mistral/workflow/data_flow.py ``publish_variables`` (the advanced
publish's ``branch`` joins ``published``, its ``global`` goes to the
execution's context, read by ``global()``).
"""
import pytest

from mistral_resume import exceptions as exc
from mistral_resume.db import models
from mistral_resume.workflow import statuses as st
from tests.functional import scenario as sc

ENV_WF = """
version: '2.0'
wf:
  output:
    out: <% $.out %>
  tasks:
    task1:
      action: std.echo output=<% env().var1 %>
      publish:
        out: <% task().result %>
"""


def _store_env(stack, name, variables, project=None):
    with stack.db.writing() as session:
        session.add(models.Environment(
            name=name, variables=variables, scope="private",
            project_id=project or stack.ctx.project_id))


def test_env_given_as_a_mapping(stack):
    wf_ex = stack.run(ENV_WF, params={"env": {"var1": "direct"}})
    assert wf_ex.state == st.SUCCESS
    assert wf_ex.output == {"out": "direct"}


def test_env_given_by_name(stack):
    _store_env(stack, "my_env", {"var1": "stored"})
    wf_ex = stack.run(ENV_WF, params={"env": "my_env"})
    assert wf_ex.state == st.SUCCESS
    assert wf_ex.output == {"out": "stored"}
    # The execution keeps the variables, as Mistral does.
    assert wf_ex.params["env"] == {"var1": "stored"}


def test_env_of_another_project_is_not_found(stack):
    _store_env(stack, "theirs", {"var1": "x"}, project="other")
    stack.create_workflows(ENV_WF)
    with pytest.raises(exc.InputError) as raised:
        stack.start("wf", params={"env": "theirs"})
    assert "Environment is not found: theirs" in str(raised.value)


def test_env_by_name_reaches_sub_workflows(stack):
    _store_env(stack, "shared", {"var1": "deep"})
    wf_ex = stack.run("""
        version: '2.0'
        parent:
          tasks:
            task1:
              workflow: child
              publish:
                out: <% task().result.out %>
        child:
          output:
            out: <% env().var1 %>
          tasks:
            t:
              action: std.noop
        """, name="parent", params={"env": "shared"})
    assert wf_ex.state == st.SUCCESS
    assert wf_ex.output == {"out": "deep"}


SCENARIOS = {
    "branch_and_global_publish": sc.Scenario(
        """
        version: '2.0'
        wf:
          output:
            seen: <% $.seen %>
            branch_var: <% $.b %>
          tasks:
            task1:
              action: std.echo output=1
              on-success:
                publish:
                  branch:
                    b: <% task().result %>
                  global:
                    g: global value
                next:
                  - task2
            task2:
              action: std.noop
              publish:
                seen: <% global(g) %>
        """,
        published={"task1": {"b": 1}, "task2": {"seen": "global value"}},
        output={"seen": "global value", "branch_var": 1},
    ),
    "publish_on_error_clause": sc.Scenario(
        """
        version: '2.0'
        wf:
          tasks:
            task1:
              action: std.fail
              on-error:
                publish:
                  branch:
                    failed: true
                next:
                  - handler
            handler:
              action: std.noop
        """,
        published={"task1": {"failed": True}},
        tasks={"task1": [st.ERROR], "handler": [st.SUCCESS]},
    ),
    "plain_publish_and_on_complete_publish": sc.Scenario(
        """
        version: '2.0'
        wf:
          tasks:
            task1:
              action: std.echo output=5
              publish:
                x: plain
              on-complete:
                publish:
                  branch:
                    y: <% task().result %>
        """,
        published={"task1": {"x": "plain", "y": 5}},
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(stack, name):
    sc.run(stack, SCENARIOS[name])
