"""The real server process, driven by python-mistralclient's ``mistral``.

Starts ``mistral-resume-server`` from its console script on a free port
with a fresh SQLite file, then runs the ``mistral`` command a user would.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

BIN = os.path.dirname(sys.executable)
WORKFLOW = """\
---
version: '2.0'
cli_wf:
  tasks:
    wait:
      action: std.async_noop
      on-success: done
    fails:
      action: std.fail
      on-error: recover
    recover:
      action: std.echo output="recovered"
      publish:
        recovered: <% task().result %>
    done:
      action: std.noop
"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url, proc, limit=60):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("server exited with %s" % proc.returncode)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.load(response)
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not answer %s" % url)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("server")
    port = _free_port()
    config = tmp / "mistral-resume.conf"
    config.write_text(
        "[DEFAULT]\nstate_path = %s\nlog_file = %s\n[api]\nport = %d\n"
        % (tmp, tmp / "server.log", port))
    proc = subprocess.Popen(
        [os.path.join(BIN, "mistral-resume-server"), "--config-file",
         str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = "http://127.0.0.1:%d/v2" % port
    try:
        _wait_http(url, proc)
        yield {"url": url, "tmp": tmp, "log": tmp / "server.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def mistral(server, *args):
    """Run ``mistral ... -f json`` and return the parsed JSON output."""
    env = dict(os.environ, OS_MISTRAL_URL=server["url"])
    for name in ("OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD"):
        env.pop(name, None)
    cmd = [os.path.join(BIN, "mistral"), "--os-mistral-url", server["url"],
           *args]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 0, (cmd, done.stdout, done.stderr)
    return json.loads(done.stdout) if "-f" in args else done.stdout


def wait_state(server, ex_id, states, limit=30):
    deadline = time.monotonic() + limit
    while True:
        ex = mistral(server, "execution-get", ex_id, "-f", "json")
        if ex["State"] in states:
            return ex
        assert time.monotonic() < deadline, ex
        time.sleep(0.1)


def test_server_logs_where_its_database_lives(server):
    log = server["log"].read_text()
    assert "mistral-resume.sqlite" in log


def test_workflow_with_on_error_branch_pause_and_resume(server, tmp_path):
    wf_file = tmp_path / "wf.yaml"
    wf_file.write_text(WORKFLOW)
    created = mistral(server, "workflow-create", str(wf_file), "-f", "json")
    assert [w["Name"] for w in created] == ["cli_wf"]

    ex = mistral(server, "execution-create", "cli_wf", "-f", "json")
    ex_id = ex["ID"]
    assert ex["Workflow name"] == "cli_wf"
    assert ex["State"] == "RUNNING"

    # The failing branch is handled; the async task holds the workflow.
    deadline = time.monotonic() + 30
    while True:
        tasks = {t["Name"]: t for t in mistral(
            server, "task-list", ex_id, "-f", "json")}
        if tasks.get("recover", {}).get("State") == "SUCCESS":
            break
        assert time.monotonic() < deadline, tasks
        time.sleep(0.1)
    assert tasks["fails"]["State"] == "ERROR"
    assert tasks["wait"]["State"] == "RUNNING"

    paused = mistral(server, "execution-update", ex_id, "-s", "PAUSED",
                     "-f", "json")
    assert paused["State"] == "PAUSED"
    assert wait_state(server, ex_id, ("PAUSED",))["State"] == "PAUSED"

    resumed = mistral(server, "execution-update", ex_id, "-s", "RUNNING",
                      "-f", "json")
    assert resumed["State"] == "RUNNING"

    [action] = mistral(server, "action-execution-list", tasks["wait"]["ID"],
                       "-f", "json")
    mistral(server, "action-execution-update", action["ID"], "--state",
            "SUCCESS", "--output", '"ok"', "-f", "json")
    final = wait_state(server, ex_id, ("SUCCESS", "ERROR"))
    assert final["State"] == "SUCCESS"

    tasks = {t["Name"]: t["State"] for t in mistral(
        server, "task-list", ex_id, "-f", "json")}
    assert tasks == {"wait": "SUCCESS", "fails": "ERROR",
                     "recover": "SUCCESS", "done": "SUCCESS"}
    output = json.loads(mistral(server, "execution-get-output", ex_id))
    assert output["recovered"] == "recovered"
