"""The same commands as an OpenStackClient plugin.

Registered under ``openstack.workflow_engine.v2`` beside
python-mistralclient's; there the HTTP calls go through mistralclient's
client (``client_manager.workflow_engine``), as ``openstack`` builds it.
"""
import importlib.metadata
import io
import json
import os
import subprocess
import sys
import types

from mistralclient.api import client as mistral_client
import pytest

from mistral_resume.cli import executions
from mistral_resume.cli import resume
from mistral_resume.cli import tasks
from mistral_resume.cli import transport
from mistral_resume.workflow import statuses as st
from tests.resume import helpers

GROUP = "openstack.workflow_engine.v2"
OURS = {
    "workflow_execution_resume": resume.WorkflowResume,
    "workflow_execution_comment_list": executions.ExecutionComments,
    "workflow_execution_task_list": tasks.TaskList,
    "task_execution_item_list": tasks.TaskItems,
}


def _entry_points():
    return importlib.metadata.entry_points(group=GROUP)


def test_registered_beside_mistralclients_without_clashing():
    points = _entry_points()
    ours = {ep.name: ep for ep in points
            if ep.value.startswith("mistral_resume.")}
    assert {name: ep.load() for name, ep in ours.items()} == OURS
    theirs = {ep.name for ep in points
              if ep.value.startswith("mistralclient.")}
    assert "workflow_execution_list" in theirs  # the group is the right one
    assert not set(ours) & theirs


def _osc_app(client):
    """What a command reads of OpenStackClient's app."""
    return types.SimpleNamespace(
        client_manager=types.SimpleNamespace(workflow_engine=client),
        stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO())


def _command(cls, app, *argv):
    command = cls(app, None)
    name = "openstack " + {v: k for k, v in OURS.items()}[cls].replace(
        "_", " ")
    return command, command.get_parser(name).parse_args(list(argv))


@pytest.mark.parametrize("cls, argv", [
    (resume.WorkflowResume, ["EX", "--task", "t", "--all-items"]),
    (executions.ExecutionComments, ["EX"]),
    (tasks.TaskList, ["EX", "--state", "ERROR"]),
    (tasks.TaskItems, ["TASK", "--long"]),
])
def test_parsers_build_under_osc(cls, argv):
    app = _osc_app(client=None)
    command, args = _command(cls, app, *argv)
    assert args.formatter in (None, "table")


def test_commands_go_through_mistralclients_http_client(stack, url):
    ex, tasks_ = helpers.failed(stack, helpers.CHAIN, "chain",
                                env={"size": "bad"})
    app = _osc_app(mistral_client.client(mistral_url=url))
    api = transport.api_of(app)
    assert isinstance(api, transport.MistralClientApi)

    command, args = _command(tasks.TaskList, app, ex["id"], "-f", "json")
    command.run(args)
    rows = json.loads(app.stdout.getvalue())
    assert {r["name"]: r["state"] for r in rows} == {
        "t1": st.SUCCESS, "t2": st.ERROR}

    with pytest.raises(transport.ApiError) as info:
        api.request("PUT", "/executions/%s" % ex["id"],
                    body={"state": "RUNNING", "resume": {"task": "nope"}})
    assert info.value.status == 400
    assert "Unknown task 'nope'" in str(info.value)

    app.stdout = io.StringIO()
    command, args = _command(resume.WorkflowResume, app, ex["id"],
                             "--env", '{"size": 2}', "--comment", "osc",
                             "-f", "json")
    command.run(args)
    assert json.loads(app.stdout.getvalue())["state"] == st.RUNNING
    assert stack.wait_for(ex["id"]).state == st.SUCCESS

    app.stdout = io.StringIO()
    command, args = _command(executions.ExecutionComments, app, ex["id"],
                             "-f", "json")
    command.run(args)
    [comment] = json.loads(app.stdout.getvalue())
    assert comment["text"].endswith("osc")


def _openstack(url, tmp_path, *argv):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["HOME"] = str(tmp_path)  # no clouds.yaml of the user's
    cmd = [os.path.join(os.path.dirname(sys.executable), "openstack"),
           "--os-auth-type", "none", "--os-endpoint", url, *argv]
    return subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=120)


def test_openstack_workflow_execution_resume(stack, url, tmp_path):
    pytest.importorskip("openstackclient")
    ex, tasks_ = helpers.failed(stack, helpers.CHAIN, "chain",
                                env={"size": "bad"})
    refused = _openstack(url, tmp_path, "workflow", "execution", "resume",
                         ex["id"], "--task", "nope")
    assert refused.returncode != 0
    assert "Unknown task 'nope'" in refused.stderr
    done = _openstack(url, tmp_path, "workflow", "execution", "resume",
                      ex["id"], "--task", "t2", "--env", '{"size": 2}',
                      "-f", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["state"] == st.RUNNING
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
