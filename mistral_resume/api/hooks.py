"""Per-request dependencies and Mistral's error bodies.

``ContextHook`` hands every request its context, database, engine client
and configuration (``pecan.request.context/db/engine/conf``): injected by
``setup_app``, never module globals.

Errors: whatever goes wrong answers ``{"faultcode", "faultstring",
"debuginfo": null}`` as WSME (and so Mistral) does, which is what
python-mistralclient reads. A ``MistralResumeError`` keeps its
``http_code``; anything else is logged and answers a generic 500. WSME
catches exceptions inside the methods it exposes, so those methods are
exposed through :func:`expose`, which translates before WSME formats;
``ErrorHook`` covers plain pecan methods and routing errors (404, 405).
"""
import functools
import inspect
import json
import logging

from pecan import hooks as pecan_hooks
from pecan import util as pecan_util
import webob
from webob import exc as webob_exc
from wsme import exc as wsme_exc
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_resume import context
from mistral_resume import exceptions as exc

LOG = logging.getLogger(__name__)

INTERNAL_ERROR = "Internal server error; the service log has the details"


class ContextHook(pecan_hooks.PecanHook):
    """Puts the request context and the service's parts on the request."""

    def __init__(self, conf, db, engine):
        self._conf = conf
        self._db = db
        self._engine = engine

    def before(self, state):
        request = state.request
        request.context = context.from_environ(request.environ)
        request.db = self._db
        request.engine = self._engine
        request.conf = self._conf


class JsonBodyHook(pecan_hooks.PecanHook):
    """A JSON body must be an object no deeper than ``max_json_depth``.

    Checked before pecan and WSME read the body: both answer 500 for
    nesting past Python's recursion limit, and WSME for a body that is
    not an object; a deep value would also cost every later step that
    walks it.
    """

    def __init__(self, max_depth):
        self._max_depth = max_depth

    _PARSED = "mistral_resume.json_body"

    def on_route(self, state):
        content_type = state.request.content_type
        if content_type in _UNSUPPORTED:
            # No door takes these; webob fails on a form's boundary and
            # WSME on XML (500s).
            raise UnsupportedMediaType(
                "Unsupported Content-Type %s: send application/json, or "
                "text/plain YAML to the document doors" % content_type)
        _check_no_nul(state.request)
        value = self._parse(state.request)
        state.request.environ[self._PARSED] = value
        if isinstance(value, (dict, list)) and _depth_over(value,
                                                           self._max_depth):
            raise exc.InputError(_too_deep(self._max_depth))
        if isinstance(value, dict) and _nul_in(value):
            raise exc.InputError(_NUL)

    def before(self, state):
        definition = getattr(state.controller, "_wsme_definition", None)
        if definition is None or definition.body_type is None:
            return
        value = state.request.environ.get(self._PARSED, _NO_JSON)
        if value is not _NO_JSON and not isinstance(value, dict):
            raise exc.InputError("The request body must be a JSON object, "
                                 "not %s" % _json_kind(value))
        if isinstance(value, dict) and wtypes.iscomplex(
                definition.body_type):
            _check_integers(definition.body_type, value)

    def _parse(self, request):
        """The JSON body; ``_NO_JSON`` for none or invalid JSON (which
        WSME names)."""
        if request.content_type not in ("application/json", "") or \
                request.method not in ("POST", "PUT", "PATCH"):
            return _NO_JSON
        body = request.body
        if not body.strip():
            return _NO_JSON
        try:
            # As pecan and WSME read it: UTF-8, whatever the first bytes
            # look like to json.loads.
            return json.loads(body.decode("utf-8"),
                              parse_constant=_not_json_constant)
        except RecursionError:
            raise exc.InputError(_too_deep(self._max_depth))
        except UnicodeDecodeError:
            if request.content_type == "application/json":
                raise exc.InputError("The request body is not UTF-8 JSON")
            return _NO_JSON
        except ValueError:
            return _NO_JSON


_NO_JSON = object()
_UNSUPPORTED = ("multipart/form-data", "text/xml", "application/xml")
_NUL = ("A NUL character (\\u0000) is not allowed in a URL, a name or a "
        "field outside user data (input, params, output...)")
# JSON stored as text: a NUL there is stored escaped, harmless.
_USER_DATA = frozenset(("input", "params", "output", "variables", "env",
                        "items"))


def _check_no_nul(request):
    """PostgreSQL refuses NUL in text: a 500 for any query with one."""
    try:
        path, query = request.path_info, list(request.GET.items())
    except UnicodeDecodeError:
        raise exc.InputError("The URL is not UTF-8")
    if "\x00" in path or any(
            "\x00" in k or "\x00" in v for k, v in query):
        raise exc.InputError(_NUL)


def _nul_in(value):
    """A NUL in a key or string of ``value``, user data aside."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return True
        elif isinstance(node, dict):
            for key, child in node.items():
                if "\x00" in key:
                    return True
                if key not in _USER_DATA:
                    stack.append(child)
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _not_json_constant(name):
    """Python's json reads NaN and Infinity; JSON has neither, and a
    stored one would make our own answers invalid JSON."""
    raise exc.InputError("The request body is not valid JSON: %s is not a "
                         "JSON value" % name)


class FaultSizeHook(pecan_hooks.PecanHook):
    """Cut the middle of a long ``faultstring``: WSME quotes the whole
    offending body, which may hold a large value, before it says what is
    wrong with it."""

    LIMIT = 500

    def after(self, state):
        response = state.response
        if response.status_int < 400 or response.content_type != \
                "application/json" or response.content_length is None or \
                response.content_length <= self.LIMIT * 2:
            return
        try:
            body = json.loads(response.body)
            message = body["faultstring"]
        except (ValueError, TypeError, KeyError):
            return
        if isinstance(message, str) and len(message) > self.LIMIT:
            half = self.LIMIT // 2
            body["faultstring"] = "%s ... %s" % (message[:half],
                                                 message[-half:])
            response.body = json.dumps(body).encode("utf-8")


def _too_deep(limit):
    return ("The request body is nested too deeply: the limit is %d levels "
            "([api] max_json_depth)" % limit)


def _json_kind(value):
    return {list: "an array", str: "a string", bool: "a boolean",
            dict: "an object", type(None): "null"}.get(type(value),
                                                       "a number")


def _check_integers(datatype, value):
    """WSME answers 500 for an object or an array where it reads an
    integer: refuse those first."""
    for attr in wtypes.list_attributes(datatype):
        given = value.get(attr.name)
        if attr.datatype is int and isinstance(given, (dict, list)):
            raise exc.InputError(
                "Invalid input for field/attribute %s: expected an "
                "integer, not %s" % (attr.name, _json_kind(given)))


def _depth_over(value, limit):
    """Whether ``value`` nests deeper than ``limit``; no recursion."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children
                     if isinstance(c, (dict, list)))
    return False


class UnsupportedMediaType(exc.MistralResumeError):
    http_code = 415
    message = "Unsupported Content-Type"


class NotImplementedYet(exc.MistralResumeError):
    """A door that exists in the API but not yet behind it."""

    http_code = 501
    message = "Not implemented yet"


def read_scope(ctx):
    """The project a read is limited to; None (all) for an admin."""
    return None if ctx.is_admin_role else ctx.project_id


def list_scope(ctx, project_id=None, all_projects=False):
    """The project a list is limited to, with Mistral's admin parameters.

    :raises: Forbidden when a non-admin asks for another project's rows.
    """
    if ctx.is_admin_role:
        return project_id or None
    if all_projects or (project_id and project_id != ctx.project_id):
        raise exc.Forbidden("Listing other projects' resources requires "
                            "the admin role")
    return ctx.project_id


def fault_body(message, server=False):
    return json.dumps({"faultcode": "Server" if server else "Client",
                       "faultstring": message, "debuginfo": None})


def fault_response(status, message, headers=None):
    response = webob.Response(
        status=status, content_type="application/json", charset="UTF-8",
        body=fault_body(message, status >= 500).encode("utf-8"))
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ErrorHook(pecan_hooks.PecanHook):
    """Errors outside WSME-exposed methods, as Mistral's fault bodies."""

    def on_error(self, state, e):
        if isinstance(e, exc.MistralResumeError):
            _log_error(e)
            return fault_response(e.http_code, e.message)
        if isinstance(e, webob_exc.HTTPException):
            headers = {"Allow": e.headers["Allow"]} if "Allow" in e.headers \
                else None
            return fault_response(e.status_int,
                                  e.detail or e.explanation or e.title,
                                  headers)
        LOG.exception("Unexpected error in %s %s", state.request.method,
                      state.request.path)
        return fault_response(500, INTERNAL_ERROR)


def _log_error(error):
    if error.http_code >= 500:
        LOG.error("API error %s: %s", error.http_code, error.message)
    else:
        LOG.info("API error %s: %s", error.http_code, error.message)


class _ServerError(Exception):
    """What WSME formats for an unexpected error: no internals leak."""

    code = 500

    def __init__(self):
        super().__init__(INTERNAL_ERROR)


def translate_errors(func):
    """Our errors as WSME client errors, with their HTTP status."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except exc.MistralResumeError as e:
            _log_error(e)
            raise wsme_exc.ClientSideError(e.message, status_code=e.http_code,
                                           faultcode="Client"
                                           if e.http_code < 500 else "Server")
        except wsme_exc.ClientSideError:
            raise
        except Exception:
            LOG.exception("Unexpected error in %s", func.__qualname__)
            raise _ServerError() from None

    # WSME reads the argument list of what it exposes from here.
    wrapper._wsme_original_func = func
    return wrapper


def expose(*args, **kwargs):
    """``wsmeext.pecan.wsexpose`` (JSON only) with our error translation."""
    kwargs.setdefault("rest_content_types", ("json",))
    wsexpose = wsme_pecan.wsexpose(*args, **kwargs)

    def decorate(func):
        exposed = wsexpose(translate_errors(func))
        # pecan maps path segments and query parameters onto this list.
        pecan_util._cfg(exposed)["argspec"] = inspect.getfullargspec(func)
        return exposed

    return decorate
