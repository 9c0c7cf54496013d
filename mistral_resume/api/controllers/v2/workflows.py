"""``/v2/workflows``: definitions as YAML in, JSON out.

POST and PUT take the document as a text/plain body (several workflows per
document) and answer JSON whatever the Accept header says (DESIGN 3b;
Mistral 23 answers 406 to ``Accept: application/json`` there).
"""

import pecan
from pecan import rest
from wsme import types as wtypes

from mistral_resume.api.controllers.v2 import documents as docs
from mistral_resume.api import auth
from mistral_resume.api import hooks
from mistral_resume.api.types import base
from mistral_resume.api.types import workflows as types
from mistral_resume.db import api as db_api
from mistral_resume.db import models
from mistral_resume import exceptions as exc
from mistral_resume.engine import action_defs
from mistral_resume.spec import parser


class ValidationController(rest.RestController):
    @pecan.expose(content_type="application/json")
    def post(self):
        """``{"valid": bool, "error": str or null}``; writes nothing."""
        auth.enforce("workflows:validate")
        ctx = pecan.request.context
        namespace = pecan.request.GET.get("namespace") or ""
        try:
            with pecan.request.db.reading() as session:
                known = action_defs.known(session, namespace,
                                          ctx.project_id)
                document = parser.parse_document(
                    docs.definition_text("workflow"), known_action=known)
        except exc.InputError as e:
            return docs.json_response({"valid": False, "error": e.message})
        if not document.workflows:
            return docs.json_response({"valid": False,
                                   "error": "The document defines no "
                                            "workflow"})
        return docs.json_response({"valid": True, "error": None})


class WorkflowsController(docs.DocumentController):
    validate = ValidationController()

    @pecan.expose(content_type="application/json")
    def post(self):
        """Create every workflow of the document: 201 ``{"workflows"}``."""
        auth.enforce("workflows:create")
        if pecan.request.GET.get("scope") == "public":
            auth.enforce("workflows:publicize")
        ctx = pecan.request.context
        rows = pecan.request.engine.create_workflows(
            ctx, docs.definition_text("workflow"),
            namespace=pecan.request.GET.get("namespace") or "",
            scope=docs.scope_param())
        return docs.json_response(_wire_list(rows), status=201)

    @pecan.expose(content_type="application/json")
    def put(self, identifier=None):
        """Update the document's workflows; by id: that one, answered alone.

        :raises: NotFound for an unknown ``identifier``; InputError when
            the document is not exactly that workflow.
        """
        auth.enforce("workflows:update")
        if pecan.request.GET.get("scope") == "public":
            auth.enforce("workflows:publicize")
        ctx = pecan.request.context
        definition = docs.definition_text("workflow")
        namespace = pecan.request.GET.get("namespace") or ""
        row = None
        if identifier:
            with pecan.request.db.reading() as session:
                row = db_api.find_workflow_definition(
                    session, identifier, namespace, ctx.project_id)
            if row.project_id != ctx.project_id:
                # Another project's public workflow: readable, not ours to
                # change (the engine would write a copy in our project).
                raise exc.NotFound(
                    "Workflow not found [workflow_identifier=%s, "
                    "namespace=%s]" % (identifier, namespace))
            _check_single(definition, row.name)
            namespace = row.namespace
        rows = pecan.request.engine.update_workflows(
            ctx, definition, namespace=namespace, scope=docs.scope_param())
        if row is not None:
            return docs.json_response(_wire(rows[0]))
        return docs.json_response(_wire_list(rows))

    @hooks.expose(types.Workflow, wtypes.text, wtypes.text, wtypes.text)
    def get(self, identifier, namespace="", fields=None):
        auth.enforce("workflows:get")
        ctx = pecan.request.context
        with pecan.request.db.reading() as session:
            row = db_api.find_workflow_definition(
                session, identifier, namespace or "", hooks.read_scope(ctx))
            return types.Workflow.from_db(row).only(base.split(fields))

    @hooks.expose(None, wtypes.text, wtypes.text, status_code=204)
    def delete(self, identifier, namespace=""):
        auth.enforce("workflows:delete")
        ctx = pecan.request.context
        pecan.request.engine.delete_workflow(ctx, identifier,
                                             namespace=namespace or "")

    @hooks.expose(types.Workflows, wtypes.text, int, wtypes.text,
                  wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                  wtypes.text, wtypes.text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, namespace=None, name=None,
                scope=None, project_id=None):
        """Own workflows (all projects' for an admin), a page at a time."""
        auth.enforce("workflows:list")
        if project_id not in (None, pecan.request.context.project_id):
            auth.enforce("workflows:list:all_projects")
        return docs.list_page(
            types, types.Workflow, types.Workflows,
            models.WorkflowDefinition, marker, limit,
            sort_keys, sort_dirs, fields, namespace, name, scope, project_id)


def _check_single(definition, name):
    """An update by id names exactly the workflow it updates.

    The engine updates by name, so a document defining another name (a
    rename, in Mistral) would create a second workflow instead.
    """
    # Only the names matter here: the engine checks the actions.
    document = parser.parse_document(definition)
    names = list(document.workflows)
    if names != [name]:
        raise exc.InputError(
            "Updating workflow %s by id needs a document that defines "
            "exactly that workflow; this one defines: %s"
            % (name, ", ".join(names) or "none"))


def _wire(row):
    return types.Workflow.from_dict(row).as_json()


def _wire_list(rows):
    return {"workflows": [_wire(r) for r in rows]}
