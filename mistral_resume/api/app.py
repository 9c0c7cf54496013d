"""The WSGI application of the REST API.

``setup_app(conf, db, engine_client)`` builds it from what the service
process already has: nothing here reads global configuration or opens its
own connections.
"""
import io

import pecan

from mistral_resume.api import argspecs
from mistral_resume.api import auth
from mistral_resume.api import hooks
from mistral_resume.api.controllers import root
from mistral_resume.console import wsgi as console_wsgi


def setup_app(conf, db, engine_client):
    """A pecan app with our hooks, behind the request body size limit."""
    argspecs.install()
    app = pecan.make_app(
        root.RootController(),
        hooks=[hooks.ContextHook(conf, db, engine_client),
               auth.PolicyHook(conf),
               hooks.JsonBodyHook(conf.api.max_json_depth),
               hooks.FaultSizeHook(),
               hooks.ErrorHook()],
        # ``/v2`` must answer as ``/v2/`` (no redirect), and a name such as
        # ``std.http`` or ``wf.json`` is a name, not a file extension.
        force_canonical=False,
        guess_content_type_from_ext=False,
    )
    # The console (``/console``) is served beside the API, outside its
    # auth: the page must load to ask for a token, and its files hold no
    # data. ``/`` stays the API's version document.
    return BodySizeLimit(console_wsgi.Console(auth.wrap(conf, app)),
                         conf.api.max_request_body_size)


class BodySizeLimit:
    """413 for a body over ``limit`` bytes, before anything parses it.

    A declared ``Content-Length`` is checked at once; a chunked body is read
    up to one byte past the limit and handed on from memory.
    """

    def __init__(self, app, limit):
        self.app = app
        self.limit = limit

    def __call__(self, environ, start_response):
        length = environ.get("CONTENT_LENGTH")
        if length:
            try:
                too_large = int(length) > self.limit
            except ValueError:
                return self._refuse(start_response, 400,
                                    "Invalid Content-Length header")
            if too_large:
                return self._too_large(start_response)
        elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = environ["wsgi.input"].read(self.limit + 1)
            if len(body) > self.limit:
                return self._too_large(start_response)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)

    def _too_large(self, start_response):
        return self._refuse(
            start_response, 413,
            "Request body too large: the limit is %d bytes" % self.limit)

    @staticmethod
    def _refuse(start_response, status, message):
        body = hooks.fault_body(message).encode("utf-8")
        reason = {400: "Bad Request", 413: "Request Entity Too Large"}
        start_response("%d %s" % (status, reason[status]),
                       [("Content-Type", "application/json"),
                        ("Content-Length", str(len(body)))])
        return [body]
