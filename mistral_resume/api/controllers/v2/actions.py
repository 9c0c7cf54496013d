"""``/v2/actions``: the actions the executor's registry offers, and ad hoc
actions (a workbook's, or standalone ones written here as YAML).

Actions are not rows: the list is sorted, filtered and paged here, with the
action's name as the marker, as Mistral does since its action providers.
"""
import json

import pecan
from wsme import types as wtypes

from mistral_resume.api.controllers.v2 import documents as docs
from mistral_resume.api import auth
from mistral_resume.api import hooks
from mistral_resume.api.types import actions as types
from mistral_resume.api.types import base
from mistral_resume.db import listing as db_listing
from mistral_resume.db import models
from mistral_resume import exceptions as exc
from mistral_resume.executor import registry


def _json_list(rows, status=200):
    pecan.response.status = status
    pecan.response.content_type = "application/json"
    return json.dumps({"actions": [
        types.Action.from_dict(dict(r, is_system=False, id=r["name"]))
        .as_json()
        for r in rows]})


class ActionsController(docs.DocumentController):
    @pecan.expose(content_type="application/json")
    def post(self):
        """Create the ad hoc actions of the document: 201 ``{"actions"}``.

        :raises: DSLParsingError (400), DuplicateEntry (409).
        """
        auth.enforce("actions:create")
        rows = pecan.request.engine.create_actions(
            pecan.request.context, docs.definition_text("action"),
            namespace=pecan.request.GET.get("namespace") or "",
            scope=docs.scope_param("private"))
        return _json_list(rows, status=201)

    @pecan.expose(content_type="application/json")
    def put(self):
        """Replace the document's (standalone) ad hoc actions.

        :raises: DSLParsingError (400), NotFound, DuplicateEntry (409).
        """
        auth.enforce("actions:update")
        rows = pecan.request.engine.update_actions(
            pecan.request.context, docs.definition_text("action"),
            namespace=pecan.request.GET.get("namespace") or "",
            scope=docs.scope_param(None))
        return _json_list(rows)

    @hooks.expose(None, wtypes.text, wtypes.text, status_code=204)
    def delete(self, identifier, namespace=""):
        """:raises: NotFound, InputError (a system or workbook action)."""
        auth.enforce("actions:delete")
        pecan.request.engine.delete_action(pecan.request.context,
                                           identifier,
                                           namespace=namespace or "")

    @hooks.expose(types.Action, wtypes.text, wtypes.text)
    def get(self, identifier, namespace=""):
        """``/v2/actions/{name}[/{namespace}]``.

        :raises: NotFound.
        """
        auth.enforce("actions:get")
        for data in _all_actions():
            if identifier in (data.get("id"), data["name"]):
                return types.Action.from_dict(data)
        raise exc.NotFound("Action not found [name=%s, namespace=%s]"
                           % (identifier, namespace or ""))

    @hooks.expose(types.Actions, wtypes.text, int, wtypes.text, wtypes.text,
                  wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                  wtypes.text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, is_system=None,
                scope=None, namespace=None):
        auth.enforce("actions:list")
        query = base.ListQuery(
            types.Action, types.SORTABLE,
            pecan.request.conf.api.max_list_limit, marker=marker,
            limit=limit, sort_keys=sort_keys, sort_dirs=sort_dirs,
            fields=fields, default_sort="name",
            filters={"name": name, "is_system": is_system, "scope": scope,
                     "namespace": namespace})
        wanted = {
            "name": base.parse_filter("name", name),
            "is_system": base.parse_filter("is_system", is_system,
                                           convert=base.to_bool),
            "scope": base.parse_filter("scope", scope),
            "namespace": base.parse_filter("namespace", namespace),
        }
        items = [types.Action.from_dict(data) for data in _all_actions()]
        items = [a for a in items if _matches(a, wanted)]
        sort = list(zip(query.sort_keys, query.sort_dirs, strict=True))
        for key, direction in reversed(sort):
            items.sort(key=lambda a, k=key: _sort_value(getattr(a, k)),
                       reverse=direction == "desc")
        if query.marker:
            names = [a.name for a in items]
            if query.marker not in names:
                raise exc.NotFound("Action not found [name=%s]"
                                   % query.marker)
            items = items[names.index(query.marker) + 1:]
        items = [a.only(query.fields) for a in items[:query.limit]]
        # An action's id is its name: the marker of the next page.
        return types.Actions.build(items, query, pecan.request.path_url)


def _all_actions():
    """Registered actions, then the project's (and public) ad hoc ones."""
    ctx = pecan.request.context
    model = models.ActionDefinition
    with pecan.request.db.reading() as session:
        rows = db_listing.list_rows(session, model, None,
                                    hooks.list_scope(ctx))
        adhoc = [{"name": r.name, "namespace": r.namespace,
                  "is_system": False, "input": r.input,
                  "description": r.description, "tags": r.tags,
                  "definition": r.definition, "scope": r.scope,
                  "project_id": r.project_id,
                  "created_at": base.wire_datetime(r.created_at),
                  "updated_at": base.wire_datetime(r.updated_at)}
                 for r in rows]
    return registry.list_actions() + adhoc


def _matches(action, wanted):
    for key, value in wanted.items():
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        if getattr(action, key) not in values:
            return False
    return True


def _sort_value(value):
    # None first, as a database sorts NULLs on SQLite and MySQL.
    return (value is not None, value if value is not None else "")
