"""oslo.policy: defaults in code let a project do its own work; a policy
file an operator writes takes rules away (403, nothing changes); listing
other projects stays the admin's; the checked-in sample is generated."""
import json
import os
import subprocess
import sys

from oslo_policy import opts as policy_opts
import pytest

from mistral_resume import context
from mistral_resume import exceptions as exc
from mistral_resume import policy
from mistral_resume.workflow import statuses as st
from tests.api import helpers
from tests.security import test_projects

A = test_projects.A
B = test_projects.B
ADMIN = test_projects.ADMIN
TEXT = test_projects.TEXT
snapshot = test_projects.snapshot
owned = test_projects.owned
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


@pytest.fixture
def policy_file(stack, tmp_path):
    """Where the stack reads its policy; write it to override rules."""
    # The enforcer reads the option when the app is built: ask for this
    # fixture before any that uses the app.
    assert stack._app is None
    path = tmp_path / "policy.yaml"
    # Copies of oslo.policy's options (set_defaults would change the
    # shared originals, for every later test): equal, so the enforcer's
    # own registration of them is a no-op.
    for group, opts in policy_opts.list_opts():
        stack.conf.register_opts(opts, group=group)
    stack.conf.set_override("policy_file", str(path), "oslo_policy")
    return path


def write_rules(path, rules):
    # Each write must look changed to oslo.policy's modification-time
    # check, however fast the writes follow each other.
    path.write_text(json.dumps(rules))
    stamp = os.stat(path).st_mtime + 10 * (1 + len(rules))
    os.utime(path, (stamp, stamp))


def test_default_rules_let_a_project_do_its_work(stack):
    app = stack.app
    helpers.create(app, headers=A)
    helpers.create(app, helpers.FAILS, headers=A)
    assert app.post("/v2/workflows/validate", helpers.DOC,
                    headers=dict(TEXT, **A)).json["valid"]
    ex = helpers.start(app, "hello", {"name": "a"}, headers=A).json
    stack.wait_for(ex["id"])
    assert app.get("/v2/executions/%s" % ex["id"],
                   headers=A).json["state"] == st.SUCCESS
    assert app.get("/v2/executions", headers=A).json["executions"]
    assert app.get("/v2/executions?project_id=project-a",
                   headers=A).json["executions"]
    tasks = app.get("/v2/executions/%s/tasks" % ex["id"],
                    headers=A).json["tasks"]
    app.get("/v2/tasks/%s" % tasks[0]["id"], headers=A)
    app.get("/v2/tasks/%s/action_executions" % tasks[0]["id"], headers=A)
    failed = helpers.start(app, "fails", headers=A).json
    stack.wait_for(failed["id"], (st.ERROR,))
    resumed = app.put_json("/v2/executions/%s" % failed["id"], {
        "state": "RUNNING",
        "resume": {"task": "boom", "mode": "skip", "output": {}}},
        headers=A).json
    assert resumed["id"] == failed["id"]
    stack.wait_for(failed["id"], (st.SUCCESS,))
    app.post_json("/v2/environments", {"name": "e", "variables": {}},
                  headers=A)
    app.put_json("/v2/environments", {"name": "e", "variables": {"k": 1}},
                 headers=A)
    app.delete("/v2/environments/e", headers=A, status=204)
    app.delete("/v2/executions/%s" % ex["id"], headers=A, status=204)
    assert app.get("/v2/actions?limit=1", headers=A).json["actions"]


def test_a_policy_file_denying_delete_gives_403_and_keeps_the_row(
        stack, policy_file):
    app = stack.app
    helpers.create(app, headers=A)
    ex = helpers.start(app, "hello", {"name": "a"}, headers=A).json
    stack.wait_for(ex["id"])
    write_rules(policy_file, {"executions:delete": "!"})
    before = snapshot(stack)
    response = app.delete("/v2/executions/%s" % ex["id"], headers=A,
                          status=403)
    assert helpers.fault(response) == (
        "Policy doesn't allow executions:delete to be performed: the rule "
        "is '!' ([oslo_policy] policy_file)")
    assert snapshot(stack) == before
    # The admin is refused too: '!' is nobody.
    app.delete("/v2/executions/%s" % ex["id"], headers=ADMIN, status=403)
    # Other rules keep their defaults.
    app.get("/v2/executions/%s" % ex["id"], headers=A)
    # The file is read again when it changes.
    write_rules(policy_file, {"executions:delete": "role:cleaner"})
    app.delete("/v2/executions/%s" % ex["id"], headers=A, status=403)
    app.delete("/v2/executions/%s" % ex["id"],
               headers=dict(A, **{"X-Roles": "cleaner"}), status=204)


def _lists_and_creates():
    """(method, url, body) of the doors that need no existing object."""
    return [
        ("get", "/v2/workflows", None),
        ("get", "/v2/executions", None),
        ("get", "/v2/tasks", None),
        ("get", "/v2/action_executions", None),
        ("get", "/v2/environments", None),
        ("get", "/v2/workbooks", None),
        ("get", "/v2/actions", None),
        ("post", "/v2/workflows", helpers.DOC),
        ("post", "/v2/workflows/validate", helpers.DOC),
        ("post", "/v2/workbooks", test_projects.WB.replace("wb_a", "wb2")),
        ("post", "/v2/workbooks/validate", test_projects.WB),
        ("post", "/v2/actions", test_projects.ACTION.replace("loud_a",
                                                             "quiet")),
        ("post", "/v2/environments", {"name": "e2", "variables": {}}),
        ("post", "/v2/action_executions", {"name": "std.noop"}),
    ]


def test_every_door_asks_the_policy(stack, policy_file, owned):
    """With every rule denied, every door of the API answers 403 naming
    its rule, to the owner and the admin alike, and nothing changes."""
    write_rules(policy_file, dict.fromkeys(policy.RULE_NAMES, "!"))
    before = snapshot(stack)
    doors = test_projects._requests(owned) + _lists_and_creates()
    wrong = []
    for headers in (A, ADMIN):
        for method, url, body in doors:
            response = test_projects._send(stack.app, method, url, body,
                                           headers, "*")
            message = response.json.get("faultstring", "") \
                if response.content_type == "application/json" else ""
            if response.status_int != 403 or "Policy doesn't allow" \
                    not in message:
                wrong.append((method, url, response.status_int,
                              response.text[:120]))
    assert not wrong, "\n".join(map(repr, wrong))
    assert snapshot(stack) == before
    # Not a door: the version document.
    stack.app.get("/", headers=A)


@pytest.mark.parametrize("url", [
    "/v2/executions?all_projects=true",
    "/v2/executions?project_id=project-a",
    "/v2/workflows?project_id=project-a",
    "/v2/workbooks?project_id=project-a",
])
def test_listing_other_projects_is_the_admins(stack, url):
    response = stack.app.get(url, headers=B, status=403)
    assert "admin" in helpers.fault(response)
    stack.app.get(url, headers=ADMIN, status=200)


def test_an_override_can_take_all_projects_from_the_admin(stack,
                                                          policy_file):
    write_rules(policy_file, {"executions:list:all_projects": "!"})
    response = stack.app.get("/v2/executions?all_projects=true",
                             headers=ADMIN, status=403)
    assert "executions:list:all_projects" in helpers.fault(response)
    stack.app.get("/v2/executions", headers=ADMIN, status=200)


def test_publicizing_a_workflow_is_its_own_rule(stack, policy_file):
    write_rules(policy_file, {"workflows:publicize": "role:publisher"})
    before = snapshot(stack)
    response = helpers.create(stack.app, query="?scope=public", headers=A,
                              status=403)
    assert "workflows:publicize" in helpers.fault(response)
    assert snapshot(stack) == before
    helpers.create(stack.app, query="?scope=public",
                   headers=dict(A, **{"X-Roles": "publisher"}))
    helpers.create(stack.app, helpers.FAILS, headers=A)


def test_an_unknown_rule_is_a_programming_error(stack):
    rules = policy.Policy(stack.conf)
    with pytest.raises(KeyError):
        rules.enforce(context.RequestContext(), "executions:explode")
    with pytest.raises(exc.Forbidden):
        rules.enforce(context.RequestContext(project_id="p"),
                      "executions:list:all_projects")
    rules.enforce(context.admin(), "executions:list:all_projects")


def test_every_rule_is_documented_with_its_route():
    rules = {r.name: r for r in policy.list_rules()}
    assert {"admin_only", "admin_or_owner"} <= set(rules)
    for name in policy.RULE_NAMES:
        assert rules[name].description
        assert rules[name].operations[0]["path"].startswith("/v2/")


def test_the_checked_in_sample_is_generated(tmp_path):
    out = tmp_path / "policy.yaml.sample"
    tool = os.path.join(os.path.dirname(sys.executable),
                        "oslopolicy-sample-generator")
    subprocess.run(
        [tool, "--config-file",
         os.path.join(ROOT, "etc", "oslo-policy-generator",
                      "mistral-resume.conf"), "--output-file", str(out)],
        check=True, cwd=ROOT, capture_output=True, timeout=120)
    with open(os.path.join(ROOT, "etc", "policy.yaml.sample")) as f:
        assert f.read() == out.read_text(), (
            "etc/policy.yaml.sample is stale: run oslopolicy-sample-"
            "generator --config-file "
            "etc/oslo-policy-generator/mistral-resume.conf")
