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


LANGUAGE_WORKFLOW = """\
---
version: '2.0'
cli_language:
  input:
    - word: mistral
    - limit: 3
  output:
    reversed: <% $.reversed %>
    shouted: <% $.shouted %>
    size: <% $.size %>
    recovered: <% $.recovered %>
  tasks:
    reverse:
      action: test.reverse_string text=<% $.word %>
      publish:
        reversed: <% task().result %>
        size: "{{ task().result | length }}"
      on-success:
        - shout: <% $.size > $.limit %>
        - whisper: "{{ _.size <= _.limit }}"
    shout:
      action: test.reverse_string
      input:
        text: "{{ _.reversed }}"
        upper: true
      publish:
        shouted: <% task().result %>
      on-success: empty
    whisper:
      action: std.noop
    empty:
      action: test.reverse_string text=""
      publish-on-error:
        failure: <% task().result %>
      on-error: recover
    recover:
      action: std.echo output="recovered after <% $.shouted %>"
      publish:
        recovered: "{{ task().result }}"
"""


def test_language_core_and_custom_action_through_the_cli(server, tmp_path):
    """Publish with YAQL and Jinja, conditional transitions, an on-error
    branch and a mistral-lib custom action (tests/fixtures/
    custom_action_pkg), to Mistral's outcome."""
    wf_file = tmp_path / "language.yaml"
    wf_file.write_text(LANGUAGE_WORKFLOW)
    mistral(server, "workflow-create", str(wf_file), "-f", "json")
    ex = mistral(server, "execution-create", "cli_language",
                 '{"word": "resume"}', "-f", "json")
    final = wait_state(server, ex["ID"], ("SUCCESS", "ERROR"))
    assert final["State"] == "SUCCESS", final

    tasks = {t["Name"]: t for t in mistral(
        server, "task-list", ex["ID"], "-f", "json")}
    assert {name: t["State"] for name, t in tasks.items()} == {
        "reverse": "SUCCESS", "shout": "SUCCESS", "empty": "ERROR",
        "recover": "SUCCESS"}

    def published(name):
        return json.loads(mistral(server, "task-get-published",
                                  tasks[name]["ID"]))

    assert published("reverse") == {"reversed": "emuser", "size": 6}
    assert published("shout") == {"shouted": "RESUME"}
    assert published("empty") == {"failure": "Nothing to reverse "
                                  "[workflow_execution_id=%s]" % ex["ID"]}
    assert published("recover") == {"recovered": "recovered after RESUME"}

    output = json.loads(mistral(server, "execution-get-output", ex["ID"]))
    assert output == {"reversed": "emuser", "shouted": "RESUME", "size": 6,
                      "recovered": "recovered after RESUME"}

    # The custom action is listed with its input, as Mistral shows it.
    action = mistral(server, "action-get", "test.reverse_string", "-f",
                     "json")
    assert action["Input"] == "text, upper=false"


def test_run_action_through_the_cli(server):
    """``mistral run-action``: Mistral's ad hoc action run."""
    printed = mistral(server, "run-action", "test.reverse_string",
                      '{"text": "abc"}')
    assert json.loads(printed) == {"result": "cba"}
    saved = mistral(server, "run-action", "std.echo", '{"output": "kept"}',
                    "--save-result", "-f", "json")
    assert saved["Name"] == "std.echo" and saved["ID"]
    deadline = time.monotonic() + 30
    while True:
        got = mistral(server, "action-execution-get", saved["ID"], "-f",
                      "json")
        if got["State"] == "SUCCESS":
            break
        assert time.monotonic() < deadline, got
        time.sleep(0.1)
    output = json.loads(mistral(server, "action-execution-get-output",
                                saved["ID"]))
    assert output == {"result": "kept"}
