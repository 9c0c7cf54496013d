"""``/v2/openapi.json``: a valid OpenAPI 3 document of every route, and a
schemathesis run against the live server (a real ``mistral-resume-server``
process) that finds no 5xx and no answer outside the document.

The run is bounded: ``MR_SCHEMATHESIS_EXAMPLES`` examples per operation
(default 10), derandomized so that CI runs the same requests each time.
"""
import contextlib
import inspect
import os
import subprocess

import hypothesis
import openapi_schema_validator
from openapi_spec_validator import validate as validate_spec
import pytest
import schemathesis
from schemathesis import checks as st_checks
from schemathesis.specs.openapi import checks as oa_checks

from mistral_resume.api.controllers.v2 import action_executions
from mistral_resume.api.controllers.v2 import actions
from mistral_resume.api.controllers.v2 import environments
from mistral_resume.api.controllers.v2 import executions
from mistral_resume.api.controllers.v2 import tasks
from mistral_resume.api.controllers.v2 import workbooks
from mistral_resume.api.controllers.v2 import workflows
from mistral_resume.api import openapi
from mistral_resume import policy
from tests.fixtures import databases
from tests.integration import test_mistralclient_cli as live

EXAMPLES = int(os.environ.get("MR_SCHEMATHESIS_EXAMPLES", "10"))
# sqlite, postgresql or mysql: the live server's database.
BACKEND = os.environ.get("MR_SCHEMATHESIS_BACKEND", "sqlite")
CHECKS = [st_checks.not_a_server_error, oa_checks.status_code_conformance,
          oa_checks.content_type_conformance,
          oa_checks.response_schema_conformance]
CONTROLLERS = [
    workflows.WorkflowsController, workflows.ValidationController,
    workbooks.WorkbooksController, workbooks.ValidationController,
    actions.ActionsController, executions.ExecutionsController,
    tasks.TasksController, tasks.ExecutionTasksController,
    action_executions.ActionExecutionsController,
    action_executions.TaskActionExecutionsController,
    environments.EnvironmentsController,
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``mistral-resume-server`` on a free port, on a fresh ``BACKEND``
    database (SQLite: in its state directory)."""
    tmp = tmp_path_factory.mktemp("server")
    config = tmp / "mistral-resume.conf"
    text = ("[DEFAULT]\nstate_path = %s\nlog_file = %s\n[api]\nport = %d\n"
            % (tmp, tmp / "server.log", live._free_port()))
    if BACKEND == "sqlite":
        config.write_text(text)
        with _running(config) as root:
            yield {"url": root + "/v2", "tmp": tmp}
        return
    databases.require(BACKEND)
    with databases.fresh_database(BACKEND) as url:
        config.write_text(text + "[database]\nconnection = %s\n" % url)
        subprocess.run([os.path.join(live.BIN, "mistral-resume-db-manage"),
                        "--config-file", str(config), "upgrade", "head"],
                       check=True, capture_output=True, timeout=300)
        with _running(config) as root:
            yield {"url": root + "/v2", "tmp": tmp}


@contextlib.contextmanager
def _running(config):
    port = int(config.read_text().split("port = ")[1].split()[0])
    proc = subprocess.Popen(
        [os.path.join(live.BIN, "mistral-resume-server"), "--config-file",
         str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = "http://127.0.0.1:%d" % port
    try:
        live._wait_http(root + "/v2", proc)
        yield root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_the_served_document_is_valid_openapi_3(stack):
    served = stack.app.get("/v2/openapi.json").json
    validate_spec(served)
    assert served == openapi.document()
    assert served["openapi"].startswith("3.")


def test_every_handler_is_documented():
    """Every exposed handler of every v2 controller is a row of ROUTES,
    and every route is a handler (or a YAML door, or a fixed one)."""
    documented = {row[2] for row in openapi.ROUTES}
    missing = []
    for controller in CONTROLLERS:
        for name, func in inspect.getmembers(controller,
                                             inspect.isfunction):
            if name.startswith("_") or not hasattr(func, "exposed"):
                continue
            wsme = getattr(func, "_wsme_definition", None)
            if wsme is not None and func not in documented:
                missing.append("%s.%s" % (controller.__name__, name))
    assert not missing
    yaml_doors = {(m, p) for m, p, h, *_ in openapi.ROUTES
                  if isinstance(h, openapi.Yaml)}
    assert yaml_doors == {
        ("post", "/v2/workflows"), ("put", "/v2/workflows"),
        ("put", "/v2/workflows/{identifier}"),
        ("post", "/v2/workflows/validate"), ("post", "/v2/workbooks"),
        ("put", "/v2/workbooks"), ("post", "/v2/workbooks/validate"),
        ("post", "/v2/actions"), ("put", "/v2/actions")}


def test_every_policy_rule_names_a_documented_route():
    paths = {(m.upper(), p) for m, p, *_ in openapi.ROUTES}
    for rule in policy.list_rules():
        for operation in getattr(rule, "operations", ()):
            assert (operation["method"], operation["path"]) in paths, rule


def test_answers_match_their_schemas(stack):
    """The document's schemas take what the API really answers."""
    app = stack.app
    app.post("/v2/workflows", live.WORKFLOW,
             headers={"Content-Type": "text/plain"}, status=201)
    ex = app.post_json("/v2/executions",
                       {"workflow_name": "cli_wf"}).json
    doc = openapi.document()
    resolver_doc = {"components": doc["components"]}

    def check(method, path, answer, status="200"):
        schema = doc["paths"][path][method]["responses"][status][
            "content"]["application/json"]["schema"]
        validator = openapi_schema_validator.OAS30Validator(
            dict(schema, **resolver_doc))
        errors = [e.message for e in validator.iter_errors(answer)]
        assert not errors, (path, errors)

    check("get", "/v2/executions/{id}", app.get(
        "/v2/executions/%s" % ex["id"]).json)
    check("get", "/v2/executions", app.get("/v2/executions").json)
    check("get", "/v2/workflows", app.get("/v2/workflows").json)
    check("get", "/v2/actions", app.get("/v2/actions?limit=3").json)
    check("get", "/", app.get("/").json)


schema = schemathesis.openapi.from_dict(openapi.document())


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    suppress_health_check=list(hypothesis.HealthCheck))
@pytest.mark.timeout(120)
def test_schemathesis_finds_no_5xx_and_no_answer_off_schema(case, server):
    root = server["url"].rsplit("/v2", 1)[0]
    case.call_and_validate(base_url=root, checks=CHECKS, timeout=30)
