"""What the YAML document doors share: workflows, workbooks, actions.

They take a text/plain YAML body, a ``scope`` query parameter, and answer
JSON whatever the Accept header says (Mistral 23 answers 406 to
``Accept: application/json`` there: we do not).
"""
import json

import pecan
from pecan import rest

from mistral_resume.api import hooks
from mistral_resume.api.types import base
from mistral_resume import exceptions as exc

SCOPES = ("private", "public")
MAX_NAMESPACE = 255  # the column's size


def json_response(payload, status=200):
    pecan.response.status = status
    pecan.response.content_type = "application/json"
    return json.dumps(payload)


def scope_param(default="private"):
    """``?scope=``; ``default`` None means "keep the stored one"."""
    scope = pecan.request.GET.get("scope") or default
    if scope is not None and scope not in SCOPES:
        raise exc.InputError("Scope must be one of the following: %s; "
                             "actual: %s" % (", ".join(SCOPES), scope))
    return scope


def definition_text(what):
    """The request body as UTF-8 text. :raises: InputError."""
    try:
        text = pecan.request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise exc.InputError("The %s definition is not UTF-8 text" % what)
    if not text or not text.strip():
        raise exc.InputError("The %s definition is empty" % what)
    return text


class DocumentController(rest.RestController):
    """A controller whose POST and PUT take a YAML document."""

    @pecan.expose()
    def _route(self, args, request=None):
        request = request or pecan.request
        if request.method in ("POST", "PUT"):
            # Keep pecan from negotiating (and refusing) a content type.
            request.environ["HTTP_ACCEPT"] = "*/*"
            if len(request.GET.get("namespace") or "") > MAX_NAMESPACE:
                raise exc.InputError("A namespace is at most %d characters"
                                     % MAX_NAMESPACE)
        return super()._route(args, request)


def list_page(types, resource, page_type, model, marker, limit, sort_keys,
              sort_dirs, fields, namespace, name, scope, project_id):
    """A page of named, namespaced, scoped rows (workflows, workbooks):
    the caller's own, or all projects' for an admin."""
    query = base.ListQuery(
        resource, types.SORTABLE, pecan.request.conf.api.max_list_limit,
        marker=marker, limit=limit, sort_keys=sort_keys,
        sort_dirs=sort_dirs, fields=fields,
        filters={"name": name, "namespace": namespace, "scope": scope})
    column_filters = {
        "name": base.parse_filter("name", name),
        "namespace": base.parse_filter("namespace", namespace),
        "scope": base.parse_filter("scope", scope, types.SCOPES),
    }
    project = hooks.list_scope(pecan.request.context, project_id)
    return page_type.read_page(pecan.request.db, model, query,
                               column_filters, project,
                               pecan.request.path_url)
