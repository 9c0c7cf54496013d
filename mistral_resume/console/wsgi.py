"""Serves the operator console beside the REST API, in the same process.

``Console(api_app)`` answers ``/console`` (the page), ``/console/<asset>``
(files of ``static/``, nothing else: the names are read once, so a path
can never leave that folder) and ``POST /console/graph`` (a workflow
definition laid out as a graph); every other path goes to the API. The
page talks to the API with the browser's own requests, so the identity
headers and project scoping are the API's.
"""
import json
import os
import urllib.parse

from mistral_resume.api import hooks
from mistral_resume.console import graph
from mistral_resume import exceptions as exc

PREFIX = "/console"
STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "static")
INDEX = "index.html"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}

# Everything the page loads comes from this server: no CDN, no fonts
# from elsewhere, no inline script.
SECURITY_HEADERS = [
    ("Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; "
     "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
     "base-uri 'none'; form-action 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]

REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found",
           405: "Method Not Allowed"}


def _assets(folder):
    """``{name: (bytes, content type)}`` of the servable files."""
    assets = {}
    for name in sorted(os.listdir(folder)):
        content_type = CONTENT_TYPES.get(os.path.splitext(name)[1])
        path = os.path.join(folder, name)
        if content_type and os.path.isfile(path):
            with open(path, "rb") as f:
                assets[name] = (f.read(), content_type)
    return assets


class Console:
    """WSGI middleware: the console's paths, else ``app``."""

    def __init__(self, app, static_dir=STATIC_DIR):
        self.app = app
        self.assets = _assets(static_dir)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        if path != PREFIX and not path.startswith(PREFIX + "/"):
            return self.app(environ, start_response)
        name = path[len(PREFIX):].strip("/") or INDEX
        method = environ.get("REQUEST_METHOD", "GET")
        if name == "graph":
            if method != "POST":
                return _fault(start_response, 405,
                              "POST a workflow definition to /console/graph",
                              [("Allow", "POST")])
            return self._graph(environ, start_response)
        if name not in self.assets:
            return _fault(start_response, 404,
                          "No console file %r" % name)
        if method not in ("GET", "HEAD"):
            return _fault(start_response, 405,
                          "Console files are read with GET",
                          [("Allow", "GET, HEAD")])
        body, content_type = self.assets[name]
        _start(start_response, 200, content_type, len(body),
               [("Cache-Control", "no-cache")])
        return [b"" if method == "HEAD" else body]

    def _graph(self, environ, start_response):
        """``POST /console/graph?workflow=NAME`` with the YAML as body."""
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        name = (query.get("workflow") or [None])[0]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _fault(start_response, 400, "Invalid Content-Length")
        text = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            result = graph.graph_of(text, name)
        except exc.InputError as e:
            return _fault(start_response, 400, str(e))
        except LookupError as e:
            return _fault(start_response, 400, str(e.args[0]))
        body = json.dumps(result).encode("utf-8")
        _start(start_response, 200, "application/json", len(body))
        return [body]


def _start(start_response, status, content_type, length, extra=()):
    start_response("%d %s" % (status, REASONS[status]),
                   [("Content-Type", content_type),
                    ("Content-Length", str(length))]
                   + SECURITY_HEADERS + list(extra))


def _fault(start_response, status, message, extra=()):
    body = hooks.fault_body(message).encode("utf-8")
    _start(start_response, status, "application/json", len(body), extra)
    return [body]
