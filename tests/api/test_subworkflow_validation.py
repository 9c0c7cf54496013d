"""A task's ``workflow:`` must name a workflow we know at create time."""
from tests.api import helpers

PARENT = """\
---
version: '2.0'
parent:
  tasks:
    call:
      workflow: %s
"""

CHILD = """\
---
version: '2.0'
child:
  tasks:
    t:
      action: std.noop
"""


def test_unknown_sub_workflow_is_400_and_stores_nothing(stack):
    response = helpers.create(stack.app, PARENT % "nowhere", status=400)
    text = helpers.fault(response)
    assert "workflow 'parent', task 'call', field 'workflow'" in text
    assert "unknown workflow 'nowhere'" in text
    assert stack.app.get("/v2/workflows").json["workflows"] == []


def test_sub_workflow_stored_before_or_in_the_same_document(stack):
    helpers.create(stack.app, CHILD)
    helpers.create(stack.app, PARENT % "child")
    both = (PARENT % "child2").replace("parent:", "parent2:") + \
        CHILD.replace("---\nversion: '2.0'\n", "").replace("child:",
                                                             "child2:")
    helpers.create(stack.app, both)
    names = {w["name"] for w in stack.app.get("/v2/workflows").json[
        "workflows"]}
    assert names == {"child", "parent", "parent2", "child2"}


def test_sub_workflow_by_expression_is_checked_when_it_runs(stack):
    helpers.create(stack.app, PARENT % "<% $.which %>")
