"""``mistral-resume`` against a real server: find what failed, resume it.

The CLI runs in-process (``cli.main``); the server is the ``stack``
fixture's WSGI app over real HTTP (see conftest).
"""
import json

from mistral_resume.workflow import statuses as st
from tests.resume import helpers

PAUSABLE = """\
---
version: '2.0'
pausable:
  tasks:
    wait:
      action: std.async_noop
"""


def _chain(stack):
    ex, tasks = helpers.failed(stack, helpers.CHAIN, "chain",
                               env={"size": "bad"})
    return ex["id"], tasks


def test_find_the_failure_and_rerun_it(stack, run):
    ex_id, tasks = _chain(stack)
    listed = run("execution-list", "--state", "error", "-f", "json")
    assert listed.code == 0, listed.err
    assert [(e["id"], e["state"]) for e in listed.json()] == [
        (ex_id, st.ERROR)]
    assert "t2" in listed.json()[0]["state_info"]

    task_rows = {t["name"]: t for t in run("task-list", ex_id, "-f",
                                           "json").json()}
    assert task_rows["t1"]["state"] == st.SUCCESS
    assert task_rows["t2"]["state"] == st.ERROR
    assert "invalid literal for int()" in task_rows["t2"]["state_info"]
    assert task_rows["t2"]["items"] is None  # not a with-items task
    [failed] = run("task-list", ex_id, "--state", "ERROR", "-f",
                   "json").json()
    assert failed["id"] == tasks["t2"]["id"]

    [item] = run("task-items", tasks["t2"]["id"], "-f", "json").json()
    assert (item["state"], item["accepted"], item["attempt"]) == (
        st.ERROR, True, 1)
    assert "invalid literal" in item["result"]

    done = run("workflow-resume", ex_id, "--task", "t2", "--env",
               '{"size": 2}', "--comment", "x", "-f", "json")
    assert done.code == 0, done.err
    shown = done.json()
    assert shown["id"] == ex_id and shown["state"] == st.RUNNING
    assert shown["comments"][0]["operation"] == "rerun"
    assert stack.wait_for(ex_id).state == st.SUCCESS

    final = run("execution-show", ex_id, "-f", "json").json()
    assert final["state"] == st.SUCCESS
    assert json.loads(final["output"])["keys"] == ["k0", "k1"]
    [comment] = final["comments"]
    assert comment["text"].endswith("x") and "t2" in comment["text"]
    table = run("execution-show", ex_id).out
    assert "[rerun] rerun task 't2'" in table
    [row] = run("execution-comments", ex_id, "-f", "json").json()
    assert row["operation"] == "rerun" and row["user"]

    items = run("task-items", tasks["t2"]["id"], "-f", "json").json()
    assert [(i["state"], i["accepted"], i["attempt"]) for i in items] == [
        (st.ERROR, False, 1), (st.SUCCESS, True, 2)]
    assert run("execution-list", "--state", "ERROR", "-f",
               "json").json() == []


def test_the_only_failed_task_is_the_default_and_dry_run_plans(stack, run):
    ex_id, tasks = _chain(stack)
    before = helpers.snapshot(stack, ex_id)
    plan = run("workflow-resume", ex_id, "--env", '{"size": 3}',
               "--dry-run")
    assert plan.code == 0, plan.err
    answer = plan.json()  # JSON by default for a plan
    assert answer["dry_run"] is True
    [entry] = answer["plan"]
    assert entry["task"] == "t2" and entry["successors"] == ["t3"]
    assert entry["actions"][0]["input"] == {"size": 3, "key_prefix": "k"}
    table = run("workflow-resume", ex_id, "--task", "t2", "--input",
                '{"size": 1}', "--dry-run", "-f", "table").out
    assert "std.test_dict" in table and "successors" in table
    assert '{"key_prefix": "k", "size": 1}' in table
    assert helpers.snapshot(stack, ex_id) == before

    done = run("workflow-resume", ex_id, "--env", '{"size": 1}')
    assert done.code == 0, done.err
    assert "RUNNING" in done.out  # a table by default
    assert stack.wait_for(ex_id).state == st.SUCCESS


def test_skip_with_an_output_from_a_file(stack, run, tmp_path):
    ex_id, tasks = _chain(stack)
    output = tmp_path / "output.json"
    output.write_text('{"a": 1, "b": 2}')
    done = run("workflow-resume", ex_id, "--skip", "--output",
               "@%s" % output, "-f", "json")
    assert done.code == 0, done.err
    assert done.json()["comments"][0]["operation"] == "skip"
    assert stack.wait_for(ex_id).state == st.SUCCESS
    final = run("execution-show", ex_id, "-f", "json").json()
    assert json.loads(final["output"]) == {"keys": ["a", "b"],
                                           "last": {"a": 1, "b": 2}}
    states = {(t["name"], t["state"]) for t in run(
        "task-list", ex_id, "-f", "json").json()}
    assert states == {("t1", st.SUCCESS), ("t2", st.SKIPPED),
                      ("t2", st.SUCCESS), ("t3", st.SUCCESS)}


def test_several_failed_tasks_need_a_choice(stack, run):
    ex, tasks = helpers.failed(stack, helpers.TWO_FAIL, "two_fail")
    before = helpers.snapshot(stack, ex["id"])
    refused = run("workflow-resume", ex["id"])
    assert refused.code != 0
    assert "has 2 failed tasks (a, b)" in refused.err
    assert "--task" in refused.err
    assert "a [id=%s]" % tasks["a"]["id"] in refused.err
    assert helpers.snapshot(stack, ex["id"]) == before

    done = run("workflow-resume", ex["id"], "--resume-json", json.dumps(
        [{"task": "a", "mode": "skip"},
         {"task": "b", "mode": "skip", "output": "done"}]),
        "--comment", "both", "-f", "json")
    assert done.code == 0, done.err
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    comments = run("execution-show", ex["id"], "-f", "json").json()[
        "comments"]
    assert [c["operation"] for c in comments] == ["skip", "skip"]


def test_refusals_print_the_apis_message_and_change_nothing(stack, run):
    ex_id, tasks = _chain(stack)
    before = helpers.snapshot(stack, ex_id)
    cases = [
        (["--task", "nope"], "Unknown task 'nope' in execution %s" % ex_id),
        (["--task", "t2", "--input", "{not json"],
         "'input' is not valid JSON"),
        (["--task", "t2", "--output", "1"],
         "'output' goes with mode 'skip', not 'rerun'"),
        (["--task", "t2", "--items", "1,3"], "has no with-items"),
        (["--task", "t1"], "only a failed (ERROR) task"),
    ]
    for flags, message in cases:
        refused = run("workflow-resume", ex_id, *flags)
        assert refused.code != 0, flags
        assert message in refused.err, (flags, refused.err)
        # Only the API's faultstring and status: no traceback, no noise.
        assert refused.err.strip().endswith(")") and refused.out == ""
        assert len(refused.err.strip().splitlines()) == 1, refused.err
        assert "(HTTP 4" in refused.err
    missing = run("workflow-resume", "no-such-execution", "--task", "t2")
    assert missing.code != 0 and "(HTTP 404)" in missing.err
    assert run("execution-show", "no-such-execution").code != 0
    usage = run("workflow-resume", ex_id, "--item-input", "x")
    assert usage.code != 0 and "INDEX=JSON" in usage.err
    assert helpers.snapshot(stack, ex_id) == before


def test_idempotency_key_answers_as_the_first_time(stack, run):
    ex_id, tasks = _chain(stack)
    argv = ("workflow-resume", ex_id, "--task", "t2", "--env",
            '{"size": 1}', "--idempotency-key", "k-1", "-f", "json")
    first = run(*argv)
    assert first.code == 0, first.err
    assert stack.wait_for(ex_id).state == st.SUCCESS
    again = run(*argv)
    assert again.code == 0, again.err
    assert again.json() == first.json()
    assert len(stack.actions(tasks["t2"]["id"])) == 2  # re-ran once


def test_a_paused_execution_without_failed_tasks_just_resumes(stack, run):
    helpers.create(stack.app, PAUSABLE)
    ex = helpers.start(stack.app, "pausable")
    stack.app.put_json("/v2/executions/%s" % ex["id"], {"state": "PAUSED"})
    assert stack.wait_for(ex["id"], (st.PAUSED,)).state == st.PAUSED
    refused = run("workflow-resume", ex["id"], "--comment", "c")
    assert refused.code != 0 and "without --comment" in refused.err
    done = run("workflow-resume", ex["id"], "-f", "json")
    assert done.code == 0, done.err
    assert done.json()["state"] == st.RUNNING
    finished = run("execution-list", "--state", "SUCCESS", "-f", "json")
    assert finished.json() == []
    not_resumable = run("workflow-resume", ex["id"])
    assert not_resumable.code != 0
    assert "is RUNNING and has no failed task" in not_resumable.err
