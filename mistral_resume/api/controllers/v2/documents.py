"""What the YAML document doors share: workflows, workbooks, actions.

They take a text/plain YAML body, a ``scope`` query parameter, and answer
JSON whatever the Accept header says (Mistral 23 answers 406 to
``Accept: application/json`` there: we do not).
"""
import json

import pecan
from pecan import rest

from mistral_resume import exceptions as exc

SCOPES = ("private", "public")


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
        return super()._route(args, request)
