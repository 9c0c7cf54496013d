"""A custom action package written for Mistral runs unchanged.

``tests/fixtures/custom_action_pkg`` is installed as its own distribution
(tox does it through ``deps``) and registers its mistral-lib actions under
Mistral's ``mistral.actions`` entry point group; nothing in it knows about
mistral-resume.
"""
import pytest

from mistral_resume.executor import registry
from mistral_resume.workflow import statuses as st

WORKFLOW = """
version: '2.0'
custom:
  input:
    - word
  output:
    reversed: <% $.reversed %>
    shouted: <% $.shouted %>
    info: <% $.info %>
  tasks:
    reverse:
      action: test.reverse_string text=<% $.word %>
      publish:
        reversed: <% task().result %>
      on-success: shout
    shout:
      action: test.reverse_string
      input:
        text: "{{ _.reversed }}"
        upper: true
      publish:
        shouted: "{{ task().result }}"
      on-success: info
    info:
      action: test.execution_info
      publish:
        info: <% task().result %>
"""

FAILING = """
version: '2.0'
custom_fails:
  tasks:
    reverse:
      action: test.reverse_string text=""
      publish-on-error:
        why: <% task().result %>
      on-error: recover
    recover:
      action: std.noop
"""


@pytest.fixture(autouse=True)
def installed():
    if not registry.has("test.reverse_string"):
        pytest.fail("The custom action fixture package is not installed: "
                    "pip install -e tests/fixtures/custom_action_pkg "
                    "(tox installs it)")


def test_custom_actions_run_in_a_workflow(stack):
    wf_ex = stack.run(WORKFLOW, wf_input={"word": "mistral"})
    assert wf_ex.state == st.SUCCESS, wf_ex.state_info
    tasks = stack.tasks(wf_ex.id)
    assert wf_ex.output["reversed"] == "lartsim"
    assert wf_ex.output["shouted"] == "MISTRAL"
    info = wf_ex.output["info"]
    # The action read its mistral-lib context: where it runs.
    assert info["workflow_execution_id"] == wf_ex.id
    assert info["task_execution_id"] == tasks["info"][0].id
    [action] = stack.actions(tasks["info"][0].id)
    assert info["action_execution_id"] == action.id
    assert info["workflow_name"] == "custom"
    assert info["project_id"] == stack.ctx.project_id


def test_custom_action_failure_takes_the_on_error_branch(stack):
    wf_ex = stack.run(FAILING)
    assert wf_ex.state == st.SUCCESS, wf_ex.state_info
    assert stack.task_states(wf_ex.id) == {"reverse": [st.ERROR],
                                           "recover": [st.SUCCESS]}
    reverse = stack.tasks(wf_ex.id)["reverse"][0]
    assert reverse.published == {
        "why": "Nothing to reverse [workflow_execution_id=%s]" % wf_ex.id}
    assert "Nothing to reverse" in reverse.state_info


def test_wrong_input_fails_the_task_with_mistrals_message(stack):
    wf_ex = stack.run("""
        version: '2.0'
        wf:
          tasks:
            reverse:
              action: test.reverse_string txt="typo"
        """)
    assert wf_ex.state == st.ERROR
    reverse = stack.tasks(wf_ex.id)["reverse"][0]
    assert ("Invalid input [name=test.reverse_string, "
            "class=mr_test_actions.actions.ReverseStringAction, "
            "missing=['text'], unexpected=['txt']]") in reverse.state_info


def test_actions_api_lists_them_with_their_input(stack):
    actions = {a["name"]: a for a in stack.app.get(
        "/v2/actions?name=in:test.reverse_string,test.execution_info"
    ).json["actions"]}
    assert set(actions) == {"test.reverse_string", "test.execution_info"}
    reverse = actions["test.reverse_string"]
    assert reverse["input"] == "text, upper=false"
    assert reverse["description"] == \
        "Reverses ``text``; fails when there is nothing to reverse."
    assert actions["test.execution_info"]["input"] == ""
    one = stack.app.get("/v2/actions/test.reverse_string").json
    assert one["input"] == "text, upper=false"


def test_an_unknown_custom_action_is_refused_at_create(stack):
    response = stack.app.post(
        "/v2/workflows", "version: '2.0'\nwf:\n  tasks:\n    t:\n"
        "      action: test.not_installed\n",
        headers={"Content-Type": "text/plain"}, status=400)
    assert "unknown action 'test.not_installed'" in \
        response.json["faultstring"]
