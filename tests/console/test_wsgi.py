"""The console's WSGI layer: files, the graph door, the API behind it."""
import json

import pytest
import webtest

from mistral_resume.api import app as api_app
from mistral_resume.console import wsgi

WORKFLOW = """\
---
version: '2.0'
wf:
  tasks:
    a:
      action: std.noop
      on-success: b
      on-error: c
    b:
      action: std.noop
    c:
      action: std.noop
"""


def _api(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"api": true}']


@pytest.fixture
def app():
    return webtest.TestApp(wsgi.Console(_api))


@pytest.mark.parametrize("path", ["/console", "/console/",
                                  "/console/index.html"])
def test_the_page(app, path):
    page = app.get(path)
    assert page.content_type == "text/html"
    assert "<title>mistral-resume console</title>" in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name,content_type", [
    ("console.css", "text/css"), ("main.js", "text/javascript"),
    ("graph.js", "text/javascript")])
def test_assets_with_their_types(app, name, content_type):
    response = app.get("/console/" + name)
    assert response.content_type == content_type
    assert response.body == (
        open("%s/%s" % (wsgi.STATIC_DIR, name), "rb").read())


def test_every_script_the_page_loads_is_shipped(app):
    page = app.get("/console").text
    names = [part.split('"')[0] for part in page.split('src="')[1:]]
    assert "main.js" in names
    for name in names:
        app.get("/console/" + name, status=200)


def test_no_external_fetch_in_any_file(app):
    for name in wsgi.Console(_api).assets:
        # The SVG namespace is a name, never fetched.
        text = app.get("/console/" + name).text.replace(
            "http://www.w3.org/2000/svg", "")
        assert "http://" not in text and "https://" not in text, name
        assert "//cdn" not in text and "@import" not in text, name


@pytest.mark.parametrize("path", [
    "/console/nope.js", "/console/../app.py", "/console/%2e%2e/wsgi.py",
    "/console/static/index.html", "/console/graph.py"])
def test_unknown_or_outside_files_are_404(app, path):
    response = app.get(path, status=404)
    assert "No console file" in response.json["faultstring"]


def test_files_are_read_only(app):
    response = app.post("/console/main.js", "x", status=405)
    assert response.headers["Allow"] == "GET, HEAD"


def test_other_paths_go_to_the_api(app):
    assert app.get("/").json == {"api": True}
    assert app.get("/v2/executions").json == {"api": True}
    assert app.get("/consoles").json == {"api": True}


def test_graph_of_a_definition(app):
    answer = app.post("/console/graph?workflow=wf", WORKFLOW,
                      content_type="text/plain").json
    assert [n["name"] for n in answer["nodes"]] == ["a", "b", "c"]
    assert {(e["source"], e["target"], e["clause"])
            for e in answer["edges"]} == {("a", "b", "on-success"),
                                          ("a", "c", "on-error")}


def test_graph_refuses_what_it_cannot_read(app):
    bad = app.post("/console/graph", "version: '2.0'\nwf: [", status=400)
    assert bad.json["faultcode"] == "Client"
    missing = app.post("/console/graph?workflow=other", WORKFLOW,
                       status=400)
    assert missing.json["faultstring"] == (
        "The document has no workflow 'other'; it has: wf")
    wrong = app.get("/console/graph", status=405)
    assert "POST a workflow definition" in wrong.json["faultstring"]


def test_mounted_in_the_api_app_and_root_stays_versions(tmp_path):
    from mistral_resume import conf as mr_conf
    conf = mr_conf.make([], database__connection="sqlite://")
    app = webtest.TestApp(api_app.setup_app(conf, None, None))
    assert app.get("/console").content_type == "text/html"
    versions = app.get("/").json
    assert versions[0]["id"] == "v2.0"
    graph = app.post("/console/graph", WORKFLOW).json
    assert json.dumps(graph["nodes"][0]["name"]) == '"a"'



def test_the_page_loads_without_a_token_where_the_api_needs_one(
        monkeypatch):
    """The console sits in front of the API's auth: the page must load to
    ask for a token, and its files hold no data."""
    from mistral_resume.api import auth
    from mistral_resume import conf as mr_conf

    def refuse_all(environ, start_response):
        start_response("401 Unauthorized", [("Content-Type", "text/plain")])
        return [b"token required"]

    monkeypatch.setattr(auth, "wrap", lambda conf, app: refuse_all)
    conf = mr_conf.make([], database__connection="sqlite://")
    app = webtest.TestApp(api_app.setup_app(conf, None, None))
    assert app.get("/console").content_type == "text/html"
    app.get("/v2/executions", status=401)
    app.get("/", status=401)
