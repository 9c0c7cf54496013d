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
from tests.resume import test_with_items

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


def mistral_resume(server, *args):
    """Run our ``mistral-resume`` console script against the live server."""
    done = subprocess.run(
        [os.path.join(base.BIN, "mistral-resume"), "--os-mistral-url",
         server["url"], *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def test_task_rerun_resume_flag_reruns_failed_items(server, tmp_path):
    wf_file = tmp_path / "items.yaml"
    wf_file.write_text(test_with_items.ITEMS)
    base.mistral(server, "workflow-create", str(wf_file), "-f", "json")
    ex = base.mistral(server, "execution-create", "items_wf", "-f", "json")
    base.wait_state(server, ex["ID"], ("ERROR",))
    tasks = wait_task_state(server, ex["ID"], "each", "ERROR")
    base.mistral(server, "task-rerun", "--resume", tasks["each"]["ID"],
                 "-f", "json")
    base.wait_state(server, ex["ID"], ("ERROR",))
    actions = base.mistral(server, "action-execution-list",
                           tasks["each"]["ID"], "-f", "json")
    # 4 items; only the 2 failed ones ran again.
    assert len(actions) == 6

    # Then our CLI: the failed items with their own input, to SUCCESS.
    out = mistral_resume(server, "workflow-resume", ex["ID"], "--task",
                         "each", "--items", "1,3", "--item-input",
                         '1={"size": 1}', "--item-input", '3={"size": 2}',
                         "--comment", "sizes fixed", "-f", "json")
    assert json.loads(out)["state"] == "RUNNING"
    final = base.wait_state(server, ex["ID"], ("SUCCESS", "ERROR"))
    assert final["State"] == "SUCCESS"
    output = json.loads(base.mistral(server, "execution-get-output",
                                     ex["ID"]))
    assert output == {"sizes": [1, 1, 2, 2]}
    shown = json.loads(mistral_resume(server, "execution-show", ex["ID"],
                                      "-f", "json"))
    assert "sizes fixed" in json.dumps(shown["comments"])


def test_skip_with_output_through_our_cli(server, tmp_path):
    wf_file = tmp_path / "chain.yaml"
    wf_file.write_text(helpers.CHAIN.replace("chain:", "chain_skip:", 1))
    base.mistral(server, "workflow-create", str(wf_file), "-f", "json")
    ex = base.mistral(server, "execution-create", "chain_skip", "{}",
                      '{"env": {"size": "bad"}}', "-f", "json")
    base.wait_state(server, ex["ID"], ("ERROR",))
    output_file = tmp_path / "out.json"
    output_file.write_text('{"x": 1}')
    plan = json.loads(mistral_resume(
        server, "workflow-resume", ex["ID"], "--task", "t2", "--skip",
        "--output", "@%s" % output_file, "--dry-run"))
    assert plan["plan"][0]["injects_noop_task"] is True
    mistral_resume(server, "workflow-resume", ex["ID"], "--task", "t2",
                   "--skip", "--output", "@%s" % output_file)
    final = base.wait_state(server, ex["ID"], ("SUCCESS", "ERROR"))
    assert final["State"] == "SUCCESS"
    output = json.loads(base.mistral(server, "execution-get-output",
                                     ex["ID"]))
    assert output == {"keys": ["x"], "last": {"x": 1}}
