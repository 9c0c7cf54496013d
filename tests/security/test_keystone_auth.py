"""``[pecan] auth_enable``: keystonemiddleware validates every request's
token against Keystone, and the identity is the token's, whatever
identity headers the client sends.

Keystone is a tiny fake identity v3 server on a loopback port: version
discovery, ``POST /v3/auth/tokens`` for the service user (with a catalog
naming itself), ``GET /v3/auth/tokens`` validating ``X-Subject-Token``
(404 for a token it did not issue).
"""
import datetime
import json
import threading
import uuid
from wsgiref import simple_server

from keystoneauth1 import loading as ks_loading
from keystonemiddleware import auth_token
import pytest

from mistral_resume.db import api as db_api
from mistral_resume.workflow import statuses as st
from tests.api import helpers
from tests.security import test_projects

snapshot = test_projects.snapshot
SERVICE_PASSWORD = "service-secret"
TOKENS = {
    "alice-token": ("project-a", "alice", ["member"]),
    "bob-token": ("project-b", "bob", ["member"]),
    "root-token": ("project-c", "root", ["admin", "member"]),
}


def _version(base):
    return {"id": "v3.14", "status": "stable",
            "updated": "2020-04-07T00:00:00Z",
            "links": [{"rel": "self", "href": base + "/v3/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.identity-"
                                     "v3+json"}]}


def _token(base, project, user, roles, catalog):
    now = datetime.datetime.now(datetime.timezone.utc)
    expires = now + datetime.timedelta(hours=1)
    domain = {"id": "default", "name": "Default"}
    body = {
        "methods": ["password"],
        "issued_at": now.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
        "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
        "user": {"id": user, "name": user, "domain": domain},
        "project": {"id": project, "name": project, "domain": domain},
        "roles": [{"id": r, "name": r} for r in roles],
    }
    if catalog:
        body["catalog"] = [{
            "type": "identity", "name": "keystone", "id": "identity",
            "endpoints": [{"id": iface, "interface": iface,
                           "region": "RegionOne", "region_id": "RegionOne",
                           "url": base + "/v3"}
                          for iface in ("public", "internal", "admin")]}]
    return {"token": body}


class FakeKeystone:
    """The identity v3 calls keystonemiddleware makes, and a count of the
    validations it asked for."""

    def __init__(self):
        self.server = simple_server.make_server(
            "127.0.0.1", 0, self, handler_class=_QuietHandler)
        self.base = "http://127.0.0.1:%d" % self.server.server_port
        self.service_token = uuid.uuid4().hex
        self.validated = []

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        path = path.rstrip("/") or "/"
        if method == "GET" and path == "/":
            return self._json(start_response, 300, {
                "versions": {"values": [_version(self.base)]}})
        if method == "GET" and path == "/v3":
            return self._json(start_response, 200,
                              {"version": _version(self.base)})
        if path == "/v3/auth/tokens" and method == "POST":
            return self._issue(environ, start_response)
        if path == "/v3/auth/tokens" and method == "GET":
            return self._validate(environ, start_response)
        return self._json(start_response, 404, {"error": {"code": 404}})

    def _issue(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        auth = json.loads(environ["wsgi.input"].read(length))["auth"]
        password = auth["identity"]["password"]["user"]["password"]
        if password != SERVICE_PASSWORD:
            return self._json(start_response, 401, {"error": {"code": 401}})
        body = _token(self.base, "service", "mistral-resume", ["service"],
                      catalog=True)
        return self._json(start_response, 201, body,
                          [("X-Subject-Token", self.service_token)])

    def _validate(self, environ, start_response):
        if environ.get("HTTP_X_AUTH_TOKEN") != self.service_token:
            return self._json(start_response, 401, {"error": {"code": 401}})
        subject = environ.get("HTTP_X_SUBJECT_TOKEN")
        self.validated.append(subject)
        if subject not in TOKENS:
            return self._json(start_response, 404, {"error": {"code": 404}})
        return self._json(start_response, 200,
                          _token(self.base, *TOKENS[subject], catalog=False),
                          [("X-Subject-Token", subject)])

    @staticmethod
    def _json(start_response, status, body, headers=()):
        data = json.dumps(body).encode("utf-8")
        reasons = {200: "OK", 201: "Created", 300: "Multiple Choices",
                   401: "Unauthorized", 404: "Not Found"}
        start_response("%d %s" % (status, reasons[status]),
                       [("Content-Type", "application/json"),
                        ("Content-Length", str(len(data)))] + list(headers))
        return [data]


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def keystone():
    fake = FakeKeystone()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def authed(stack, keystone):
    """The stack's API behind keystonemiddleware, Keystone the fake."""
    assert stack._app is None  # the middleware is put in when it is built
    conf = stack.conf
    group = "keystone_authtoken"
    # Registered as keystonemiddleware and keystoneauth register them, so
    # that the test can set them (a deployment writes them in its file).
    for name, opts in auth_token.list_opts():
        conf.register_opts(opts, group=name)
    ks_loading.register_auth_conf_options(conf, group)
    conf.register_opts(ks_loading.get_auth_plugin_conf_options("password"),
                       group=group)
    settings = {
        "auth_type": "password", "auth_url": keystone.base + "/v3",
        "username": "mistral-resume", "password": SERVICE_PASSWORD,
        "project_name": "service", "user_domain_id": "default",
        "project_domain_id": "default",
        "www_authenticate_uri": keystone.base + "/v3",
    }
    for name, value in settings.items():
        conf.set_override(name, value, group)
    conf.set_override("auth_enable", True, "pecan")
    return stack


def _as(token, **headers):
    return dict(headers, **{"X-Auth-Token": token})


def test_a_request_without_a_token_is_401(authed, keystone):
    response = authed.app.get("/v2/executions", status=401)
    assert keystone.base in response.headers["WWW-Authenticate"]
    # Identity headers alone are not an identity any more.
    authed.app.get("/v2/executions", headers=test_projects.ADMIN,
                   status=401)


def test_a_token_keystone_does_not_know_is_401(authed, keystone):
    before = snapshot(authed)
    authed.app.post("/v2/workflows", helpers.DOC,
                    headers=_as("forged", **helpers.TEXT), status=401)
    assert "forged" in keystone.validated
    assert snapshot(authed) == before


def test_the_identity_is_the_tokens_not_the_headers(authed):
    app = authed.app
    spoof = {"X-Project-Id": "project-b", "X-User-Id": "mallory",
             "X-Roles": "admin"}
    helpers.create(app, headers=_as("alice-token", **spoof))
    ex = helpers.start(app, "hello", {"name": "x"},
                       headers=_as("alice-token", **spoof)).json
    authed.wait_for(ex["id"], (st.SUCCESS,))
    with authed.db.reading() as session:
        row = db_api.get_execution(session, ex["id"])
        assert row.project_id == "project-a"
    # Alice's project sees it; Bob's token does not, whatever he claims.
    app.get("/v2/executions/%s" % ex["id"], headers=_as("alice-token"))
    app.get("/v2/executions/%s" % ex["id"],
            headers=_as("bob-token", **{"X-Project-Id": "project-a"}),
            status=404)
    # The admin role is the token's too.
    response = app.get("/v2/executions?all_projects=true",
                       headers=_as("alice-token", **spoof), status=403)
    assert "executions:list:all_projects" in helpers.fault(response)
    listed = app.get("/v2/executions?all_projects=true",
                     headers=_as("root-token")).json["executions"]
    assert [e["id"] for e in listed] == [ex["id"]]


def test_auth_is_off_by_default(stack):
    assert stack.conf.pecan.auth_enable is False
    stack.app.get("/v2/executions", headers=test_projects.A, status=200)
