"""``/v2/workbooks``: a workbook document as YAML in, JSON out.

Thin: a write is one engine RPC (which also writes the workbook's
workflows ``<workbook>.<name>`` and ad hoc actions), a read one
repository read. POST and PUT take the document as a text/plain body and
answer JSON whatever the Accept header says, as ``/v2/workflows`` does.
"""

import pecan
from pecan import rest
from wsme import types as wtypes

from mistral_resume.api.controllers.v2 import documents as docs
from mistral_resume.api import auth
from mistral_resume.api import hooks
from mistral_resume.api.types import base
from mistral_resume.api.types import workbooks as types
from mistral_resume.db import api as db_api
from mistral_resume.db import models
from mistral_resume.engine import action_defs
from mistral_resume.engine import workbooks
from mistral_resume import exceptions as exc


def _json_response(row, status=200):
    return docs.json_response(types.Workbook.from_dict(row).as_json(), status)


class ValidationController(rest.RestController):
    @pecan.expose(content_type="application/json")
    def post(self):
        """``{"valid": bool, "error": str or null}``; writes nothing."""
        auth.enforce("workbooks:validate")
        ctx = pecan.request.context
        namespace = pecan.request.GET.get("namespace") or ""
        try:
            with pecan.request.db.reading() as session:
                known = action_defs.known(session, namespace,
                                          ctx.project_id)
                workbooks.parse(docs.definition_text("workbook"), known)
        except exc.InputError as e:
            return docs.json_response({"valid": False, "error": e.message})
        return docs.json_response({"valid": True, "error": None})


class WorkbooksController(docs.DocumentController):
    validate = ValidationController()

    @pecan.expose(content_type="application/json")
    def post(self):
        """Create the workbook: 201 with the workbook.

        :raises: DSLParsingError (400), DuplicateEntry (409).
        """
        auth.enforce("workbooks:create")
        row = pecan.request.engine.create_workbook(
            pecan.request.context, docs.definition_text("workbook"),
            namespace=pecan.request.GET.get("namespace") or "",
            scope=docs.scope_param("private"))
        return _json_response(row, status=201)

    @pecan.expose(content_type="application/json")
    def put(self):
        """Replace the workbook the document names.

        :raises: DSLParsingError (400), NotFound, DuplicateEntry (409).
        """
        auth.enforce("workbooks:update")
        row = pecan.request.engine.update_workbook(
            pecan.request.context, docs.definition_text("workbook"),
            namespace=pecan.request.GET.get("namespace") or "",
            scope=docs.scope_param(None))
        return _json_response(row)

    @hooks.expose(types.Workbook, wtypes.text, wtypes.text, wtypes.text)
    def get(self, name, namespace="", fields=None):
        """:raises: NotFound."""
        auth.enforce("workbooks:get")
        ctx = pecan.request.context
        with pecan.request.db.reading() as session:
            row = db_api.find_workbook(
                session, name, namespace or "",
                None if ctx.is_admin_role else ctx.project_id)
            return types.Workbook.from_db(row).only(base.split(fields))

    @hooks.expose(None, wtypes.text, wtypes.text, status_code=204)
    def delete(self, name, namespace=""):
        """:raises: NotFound."""
        auth.enforce("workbooks:delete")
        pecan.request.engine.delete_workbook(pecan.request.context, name,
                                             namespace=namespace or "")

    @hooks.expose(types.Workbooks, wtypes.text, int, wtypes.text,
                  wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                  wtypes.text, wtypes.text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, namespace=None, name=None,
                scope=None, project_id=None):
        """Own workbooks (all projects' for an admin), a page at a time."""
        auth.enforce("workbooks:list")
        if project_id not in (None, pecan.request.context.project_id):
            auth.enforce("workbooks:list:all_projects")
        return docs.list_page(
            types, types.Workbook, types.Workbooks,
            models.Workbook, marker, limit,
            sort_keys, sort_dirs, fields, namespace, name, scope, project_id)
