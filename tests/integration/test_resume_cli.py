"""Resume through the real server process and python-mistralclient.

``mistral task-rerun`` and ``execution-update -s RUNNING`` are Mistral's
own commands; they must behave as the resume contract says.
"""
import json
import os
import subprocess
import time

from tests.integration import test_mistralclient_cli as base
from tests.resume import helpers

server = base.server  # the module-scoped live server fixture


def mistral_fails(server, *args):
    env = dict(os.environ, OS_MISTRAL_URL=server["url"])
    done = subprocess.run(
        [os.path.join(base.BIN, "mistral"), "--os-mistral-url",
         server["url"], *args], capture_output=True, text=True, env=env,
        timeout=60)
    assert done.returncode != 0, done.stdout
    return done.stderr


def wait_task_state(server, ex_id, name, state, limit=30):
    deadline = time.monotonic() + limit
    while True:
        tasks = {t["Name"]: t for t in base.mistral(
            server, "task-list", ex_id, "-f", "json")}
        if tasks.get(name, {}).get("State") == state:
            return tasks
        assert time.monotonic() < deadline, tasks
        time.sleep(0.1)


def test_task_rerun_with_env_then_success(server, tmp_path):
    wf_file = tmp_path / "chain.yaml"
    wf_file.write_text(helpers.CHAIN)
    base.mistral(server, "workflow-create", str(wf_file), "-f", "json")
    ex = base.mistral(server, "execution-create", "chain", "{}",
                      '{"env": {"size": "bad"}}', "-f", "json")
    failed = base.wait_state(server, ex["ID"], ("ERROR",))
    assert failed["State"] == "ERROR"

    # Mistral's clients get a 409 instead of a silent no-op.
    error = mistral_fails(server, "execution-update", ex["ID"], "-s",
                          "RUNNING")
    assert "t2" in error and "skip" in error

    tasks = wait_task_state(server, ex["ID"], "t2", "ERROR")
    rerun = base.mistral(server, "task-rerun", tasks["t2"]["ID"], "-e",
                         '{"size": 2}', "-f", "json")
    assert rerun["State"] == "RUNNING"
    final = base.wait_state(server, ex["ID"], ("SUCCESS", "ERROR"))
    assert final["State"] == "SUCCESS"
    output = json.loads(base.mistral(server, "execution-get-output",
                                     ex["ID"]))
    assert output["keys"] == ["k0", "k1"]
    actions = base.mistral(server, "action-execution-list",
                           tasks["t2"]["ID"], "-f", "json")
    assert sorted(a["State"] for a in actions) == ["ERROR", "SUCCESS"]
    assert sorted(a["Accepted"] for a in actions) == [False, True]


def test_task_rerun_of_a_successful_task_is_refused(server, tmp_path):
    wf_file = tmp_path / "chain.yaml"
    wf_file.write_text(helpers.CHAIN.replace("chain:", "chain_ok:", 1))
    base.mistral(server, "workflow-create", str(wf_file), "-f", "json")
    ex = base.mistral(server, "execution-create", "chain_ok", "{}",
                      '{"env": {"size": 1}}', "-f", "json")
    assert base.wait_state(server, ex["ID"], ("SUCCESS",))
    tasks = wait_task_state(server, ex["ID"], "t2", "SUCCESS")
    error = mistral_fails(server, "task-rerun", tasks["t2"]["ID"])
    assert "only a failed (ERROR) task" in error
