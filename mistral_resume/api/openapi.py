"""``GET /v2/openapi.json``: the API as an OpenAPI 3.0 document.

Built from what serves the requests: every route is a row of ``ROUTES``;
for a WSME-exposed handler its parameters, body, answer and success status
come from the handler's own WSME definition and types, so a field added to
a type is documented at once. The YAML document doors (plain pecan
handlers) are described in their rows. Wire conventions: user data
(``input``, ``params``...) goes out as JSON *strings* and comes in as a
string or the value itself; every field of an answer may be null or left
out (``?fields=``); every error is Mistral's fault body.
"""
import json
import re

import pecan
from wsme import types as wtypes

from mistral_resume.api.controllers.v2 import action_executions as ax
from mistral_resume.api.controllers.v2 import actions
from mistral_resume.api.controllers.v2 import environments as envs
from mistral_resume.api.controllers.v2 import executions
from mistral_resume.api.controllers.v2 import tasks
from mistral_resume.api.controllers.v2 import workbooks
from mistral_resume.api.controllers.v2 import workflows
from mistral_resume.api.types import actions as action_types
from mistral_resume.api.types import base
from mistral_resume.api.types import workbooks as workbook_types
from mistral_resume.api.types import workflows as workflow_types


class Fixed:
    """A door with a fixed answer (the version documents)."""

    def __init__(self, answer):
        self.answer = answer
        self.status = 200
        self.query = ()


class Yaml:
    """A YAML document door: text/plain in, JSON ``answer`` out."""

    def __init__(self, answer, status=200, query=("namespace", "scope")):
        self.answer = answer
        self.status = status
        self.query = query


FAULT_REF = {"$ref": "#/components/schemas/Fault"}


def _ref(datatype):
    if isinstance(datatype, dict):
        return datatype
    return {"$ref": "#/components/schemas/%s" % datatype.__name__}


# A wrapper of items: {"workflows": [Workflow]} and the like.
def _wrapped(key, item):
    return {"type": "object", "required": [key],
            "properties": {key: {"type": "array", "items": _ref(item)}}}


VALIDATION = {"type": "object", "required": ["valid", "error"],
              "properties": {"valid": {"type": "boolean"},
                             "error": {"type": "string", "nullable": True}}}

_LINK = {"type": "object", "properties": {"href": {"type": "string"},
                                          "target": {"type": "string"}}}
VERSIONS = {"type": "array", "items": {
    "type": "object", "properties": {"id": {"type": "string"},
                                     "status": {"type": "string"},
                                     "link": _LINK}}}
V2 = {"type": "object", "properties": {"uri": {"type": "string"}}}

_WFS = workflows.WorkflowsController
_WBS = workbooks.WorkbooksController
_ACTS = actions.ActionsController
_EXS = executions.ExecutionsController
_TASKS = tasks.TasksController
_AXS = ax.ActionExecutionsController
_ENVS = envs.EnvironmentsController

# (method, path, handler or Yaml, errors besides 400/401/403, summary)
ROUTES = [
    ("get", "/", Fixed(VERSIONS), (), "The API versions"),
    ("get", "/v2", Fixed(V2), (), "The v2 API"),
    ("get", "/v2/openapi.json", Fixed({"type": "object"}), (),
     "This document"),
    ("post", "/v2/workflows",
     Yaml(_wrapped("workflows", workflow_types.Workflow), 201), (409,),
     "Create the workflows of a YAML document"),
    ("put", "/v2/workflows",
     Yaml(_wrapped("workflows", workflow_types.Workflow)), (404, 409),
     "Update the workflows of a YAML document"),
    ("put", "/v2/workflows/{identifier}",
     Yaml(workflow_types.Workflow, query=("namespace", "scope")),
     (404, 409), "Update one workflow, by id or name"),
    ("post", "/v2/workflows/validate", Yaml(VALIDATION, query=("namespace",)),
     (), "Validate a workflow document; stores nothing"),
    ("get", "/v2/workflows", _WFS.get_all, (404,), "List workflows"),
    ("get", "/v2/workflows/{identifier}", _WFS.get, (404,),
     "Read a workflow, by id or name"),
    ("delete", "/v2/workflows/{identifier}", _WFS.delete, (404, 409),
     "Delete a workflow"),
    ("post", "/v2/workbooks", Yaml(workbook_types.Workbook, 201), (409,),
     "Create a workbook"),
    ("put", "/v2/workbooks", Yaml(workbook_types.Workbook), (404, 409),
     "Replace a workbook"),
    ("post", "/v2/workbooks/validate", Yaml(VALIDATION, query=("namespace",)),
     (), "Validate a workbook document; stores nothing"),
    ("get", "/v2/workbooks", _WBS.get_all, (404,), "List workbooks"),
    ("get", "/v2/workbooks/{name}", _WBS.get, (404,), "Read a workbook"),
    ("delete", "/v2/workbooks/{name}", _WBS.delete, (404, 409),
     "Delete a workbook"),
    ("post", "/v2/actions",
     Yaml(_wrapped("actions", action_types.Action), 201), (409,),
     "Create ad hoc actions"),
    ("put", "/v2/actions",
     Yaml(_wrapped("actions", action_types.Action)), (404, 409),
     "Replace ad hoc actions"),
    ("get", "/v2/actions", _ACTS.get_all, (404,), "List actions"),
    ("get", "/v2/actions/{identifier}", _ACTS.get, (404,), "Read an action"),
    ("delete", "/v2/actions/{identifier}", _ACTS.delete, (404, 409),
     "Delete an ad hoc action"),
    ("post", "/v2/executions", _EXS.post, (404, 409, 413),
     "Start a workflow"),
    ("get", "/v2/executions", _EXS.get_all, (404,), "List executions"),
    ("get", "/v2/executions/{id}", _EXS.get, (404,), "Read an execution"),
    ("put", "/v2/executions/{id}", _EXS.put, (404, 409, 413, 501),
     "Pause, resume, stop; re-run or skip failed tasks (resume)"),
    ("delete", "/v2/executions/{id}", _EXS.delete, (404, 409),
     "Delete an execution"),
    ("get", "/v2/executions/{workflow_execution_id}/tasks",
     tasks.ExecutionTasksController.get_all, (404,),
     "List an execution's tasks"),
    ("get", "/v2/tasks", _TASKS.get_all, (404,), "List task executions"),
    ("get", "/v2/tasks/{id}", _TASKS.get, (404,), "Read a task execution"),
    ("put", "/v2/tasks/{id}", _TASKS.put, (404, 409, 413),
     "Re-run (RUNNING) or skip (SKIPPED) a failed task"),
    ("get", "/v2/tasks/{task_execution_id}/action_executions",
     ax.TaskActionExecutionsController.get_all, (404,),
     "List a task's action executions"),
    ("get", "/v2/action_executions", _AXS.get_all, (404,),
     "List action executions"),
    ("get", "/v2/action_executions/{id}", _AXS.get, (404,),
     "Read an action execution"),
    ("post", "/v2/action_executions", _AXS.post, (404, 409, 413, 504),
     "Run an action, or re-run a failed task (task_execution_id)"),
    ("put", "/v2/action_executions/{id}", _AXS.put, (404, 409, 413, 501),
     "Give the result of an asynchronous action"),
    ("get", "/v2/environments", _ENVS.get_all, (404,), "List environments"),
    ("get", "/v2/environments/{name}", _ENVS.get, (404,),
     "Read an environment"),
    ("post", "/v2/environments", _ENVS.post, (409, 413),
     "Create an environment"),
    ("put", "/v2/environments", _ENVS.put, (404, 413),
     "Change an environment"),
    ("delete", "/v2/environments/{name}", _ENVS.delete, (404, 409),
     "Delete an environment"),
]

FAULT = {"type": "object", "required": ["faultcode", "faultstring"],
         "properties": {"faultcode": {"type": "string",
                                      "enum": ["Client", "Server"]},
                        "faultstring": {"type": "string"},
                        "debuginfo": {"nullable": True}}}

_REASONS = {200: "OK", 201: "Created", 204: "No content",
            400: "Bad request: the fault says what to fix",
            401: "No valid token ([pecan] auth_enable)",
            403: "Refused by policy", 404: "Not found",
            409: "Conflict with the current state", 413: "Body too large",
            415: "A form body: no door takes one",
            501: "Not implemented yet", 504: "The executor did not answer"}


class _Schemas:
    """JSON schemas of WSME types, collected as components.

    ``request``: how a client may send it (user data as a string or the
    value); otherwise how we answer it (user data as a JSON string).
    """

    def __init__(self):
        self.components = {"Fault": FAULT}

    def of(self, datatype, request=False):
        if isinstance(datatype, wtypes.ArrayType):
            return {"type": "array",
                    "items": self.of(datatype.item_type, request)}
        if isinstance(datatype, list):
            return {"type": "array", "items": self.of(datatype[0], request)}
        if wtypes.iscomplex(datatype):
            return self._complex(datatype, request)
        return _simple(datatype, request)

    def _complex(self, datatype, request):
        name = datatype.__name__ + ("Request" if request else "")
        if name not in self.components:
            self.components[name] = {}  # a placeholder against cycles
            properties = {
                attr.name: dict(self.of(attr.datatype, request),
                                nullable=True)
                for attr in wtypes.list_attributes(datatype)}
            schema = {"type": "object", "properties": properties}
            if request:
                # WSME refuses a field the type does not have.
                schema["additionalProperties"] = False
            self.components[name] = schema
        return {"$ref": "#/components/schemas/%s" % name}


def _simple(datatype, request):
    if isinstance(datatype, wtypes.StringType):
        schema = {"type": "string"}
        if datatype.max_length is not None:
            schema["maxLength"] = datatype.max_length
        return schema
    if isinstance(datatype, wtypes.Enum):
        return {"type": "string", "enum": sorted(datatype.values)}
    if isinstance(datatype, base.JsonString):
        if not request:
            return {"type": "string",
                    "description": "A JSON value, as a JSON string"}
        value = {"type": "object"} if datatype.object_only else {}
        return {"anyOf": [{"type": "string"}, value],
                "description": "A JSON value or a JSON string of it"}
    if isinstance(datatype, base.JsonValue):
        return {"description": "Any JSON value"}
    simple = {str: "string", bool: "boolean", int: "integer",
              float: "number"}
    return {"type": simple[datatype]}


def _path_names(path):
    return re.findall(r"{(\w+)}", path)


def _parameter(name, where, schema):
    return {"name": name, "in": where, "required": where == "path",
            "schema": dict(schema, minLength=1) if where == "path"
            else schema}


def _operation(schemas, method, path, handler, errors, summary):
    in_path = _path_names(path)
    responses = {}
    operation = {"summary": summary, "operationId": _operation_id(method,
                                                                  path),
                 "tags": [(path.split("/") + ["", ""])[2] or "versions"]}
    if isinstance(handler, (Yaml, Fixed)):
        parameters = [_parameter(n, "path", {"type": "string"})
                      for n in in_path]
        parameters += [_parameter(n, "query", {"type": "string"})
                       for n in handler.query]
        if isinstance(handler, Yaml):
            operation["requestBody"] = {"required": True, "content": {
                "text/plain": {"schema": {"type": "string"}}}}
        status, answer = handler.status, _ref(handler.answer)
    else:
        definition = handler._wsme_definition
        parameters = []
        for arg in definition.arguments:
            if arg.name == "body":
                operation["requestBody"] = {
                    "required": True, "content": {"application/json": {
                        "schema": schemas.of(definition.body_type,
                                             request=True)}}}
                continue
            where = "path" if arg.name in in_path else "query"
            parameters.append(_parameter(arg.name, where,
                                         schemas.of(arg.datatype)))
        status = definition.status_code
        answer = _answer(schemas, definition.return_type)
    if parameters:
        operation["parameters"] = parameters
    if answer is None:
        responses[str(status)] = {"description": _REASONS[status]}
    else:
        responses[str(status)] = {"description": _REASONS[status],
                                  "content": {"application/json": {
                                      "schema": answer}}}
    body_errors = (413,) if "requestBody" in operation else ()
    for code in sorted({400, 401, 403, 415, *errors, *body_errors}):
        responses[str(code)] = {
            "description": _REASONS[code], "content": {
                "application/json": {"schema": FAULT_REF}}}
    operation["responses"] = responses
    return operation


def _answer(schemas, return_type):
    if return_type is None:
        return None
    if isinstance(return_type, base.JsonValue):
        # A resource, or the plan of a dry run.
        return {"type": "object"}
    return schemas.of(return_type)


def _operation_id(method, path):
    words = [w.strip("{}").replace(".", "_") for w in path.split("/")[1:]]
    return "_".join([method] + [w for w in words if w])


def document():
    """The OpenAPI 3.0 document of the API."""
    schemas = _Schemas()
    paths = {}
    for method, path, handler, errors, summary in ROUTES:
        paths.setdefault(path, {})[method] = _operation(
            schemas, method, path, handler, errors, summary)
    return {
        "openapi": "3.0.3",
        "info": {"title": "mistral-resume", "version": "2.0",
                 "description": "OpenStack Mistral's v2 API, with resume."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas.components},
    }


class OpenAPIController:
    """``/v2/openapi.json``."""

    @pecan.expose(content_type="application/json")
    def index(self):
        return json.dumps(document())
