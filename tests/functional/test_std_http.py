"""``std.http`` against a local HTTP server, through the whole service.

The server listens on 127.0.0.1, which Mistral's default egress policy
denies: tests that talk to it allow it by configuration
(``[action_std_http] denied_cidrs``), exactly as an operator would; the
denial tests keep the default and check that the server saw no connection.
"""
import http.server
import json
import threading
import urllib.parse

import pytest

from mistral_resume import context
from mistral_resume.executor import registry
from mistral_resume.workflow import statuses as st


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def _send(self, status, body, content_type="application/json",
              headers=None):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _serve(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        self.server.seen.append((self.command, url.path))
        if url.path == "/echo":
            self._send(200, json.dumps({
                "method": self.command,
                "query": dict(urllib.parse.parse_qsl(url.query)),
                "body": body,
                "x_token": self.headers.get("X-Token"),
                "authorization": self.headers.get("Authorization"),
            }), headers={"Set-Cookie": "session=abc"})
        elif url.path == "/text":
            self._send(200, "plain text", "text/plain; charset=utf-8")
        elif url.path == "/missing":
            self._send(404, json.dumps({"error": "not here"}))
        elif url.path == "/boom":
            self._send(503, "down for maintenance", "text/plain")
        elif url.path == "/to-echo":
            self._send(302, "", "text/plain", {"Location": "/echo"})
        elif url.path == "/to-metadata":
            self._send(302, "", "text/plain",
                       {"Location": "http://169.254.169.254/latest/"})
        elif url.path == "/big":
            self._send(200, "x" * 2048, "text/plain")
        else:
            self._send(500, "unexpected path %s" % url.path, "text/plain")

    do_GET = do_POST = do_PUT = do_DELETE = _serve


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen = []
        self.connections = 0

    def verify_request(self, request, client_address):
        self.connections += 1
        return True


@pytest.fixture
def server():
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, args=(0.01,),
                              daemon=True)
    thread.start()
    srv.url = "http://127.0.0.1:%d" % srv.server_address[1]
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=10)


@pytest.fixture
def allow_loopback(stack):
    """The operator's opt-out for the test server on 127.0.0.1."""
    stack.conf.set_override("denied_cidrs", [], group="action_std_http")
    yield stack
    stack.conf.clear_override("denied_cidrs", group="action_std_http")


def _run_one_task(stack, task_body, url):
    text = ("version: '2.0'\nwf:\n  input:\n    - url\n  tasks:\n"
            "    call:\n" + task_body)
    wf_ex = stack.run(text, wf_input={"url": url})
    return wf_ex, stack.tasks(wf_ex.id)["call"][0]


def test_get_json_result_is_mistrals_dict(allow_loopback, server):
    stack = allow_loopback
    wf_ex, task = _run_one_task(stack, """\
      action: std.http
      input:
        url: <% $.url %>
        params:
          q: mistral
        headers:
          X-Token: 42
        auth: "user:secret"
      publish:
        status: <% task().result.status %>
        query: <% task().result.content.query %>
        token: <% task().result.content.x_token %>
        has_auth: <% task().result.content.authorization != null %>
""", server.url + "/echo")
    assert wf_ex.state == st.SUCCESS, wf_ex.state_info
    assert task.published == {"status": 200, "query": {"q": "mistral"},
                              "token": "42", "has_auth": True}
    result = task.result
    assert set(result) == {"content", "status", "headers", "url", "history",
                           "encoding", "reason", "cookies", "elapsed"}
    assert result["content"]["method"] == "GET"
    assert result["headers"]["Content-Type"] == "application/json"
    assert result["cookies"] == {"session": "abc"}
    assert result["reason"] == "OK" and result["history"] == []
    assert result["url"].startswith(server.url + "/echo?q=mistral")


@pytest.mark.parametrize("task_input, body", [
    ({"method": "POST", "body": {"a": 1}}, '{"a": 1}'),
    ({"method": "PUT", "json": [1, 2]}, "[1, 2]"),
    ({"method": "POST", "body": "raw text"}, "raw text"),
])
def test_methods_and_bodies(allow_loopback, server, task_input, body):
    result = registry.run(
        "std.http", dict(task_input, url=server.url + "/echo"),
        context.RequestContext(), {}, conf=allow_loopback.conf)
    assert result["error"] is None
    content = result["data"]["content"]
    assert content["method"] == task_input["method"]
    assert content["body"] == body


def test_text_content_stays_text(allow_loopback, server):
    result = registry.run("std.http", {"url": server.url + "/text"},
                          context.RequestContext(), {},
                          conf=allow_loopback.conf)
    assert result["data"]["content"] == "plain text"
    assert result["data"]["encoding"] == "utf-8"


def test_error_status_fails_with_the_same_dict(allow_loopback, server):
    stack = allow_loopback
    wf_ex, task = _run_one_task(stack, """\
      action: std.http url=<% $.url %>
      publish-on-error:
        code: <% task().result.status %>
        why: <% task().result.content.error %>
      on-error: handled
    handled:
      action: std.noop
""", server.url + "/missing")
    assert wf_ex.state == st.SUCCESS, wf_ex.state_info
    assert task.state == st.ERROR
    assert task.published == {"code": 404, "why": "not here"}
    assert task.result["status"] == 404
    [action] = stack.actions(task.id)
    assert action.state == st.ERROR
    assert action.output["result"]["content"] == {"error": "not here"}


def test_server_error_fails_the_workflow(allow_loopback, server):
    wf_ex, task = _run_one_task(allow_loopback,
                                "      action: std.http url=<% $.url %>\n",
                                server.url + "/boom")
    assert wf_ex.state == st.ERROR
    assert task.result["status"] == 503
    assert task.result["content"] == "down for maintenance"


def test_redirects_are_not_followed_unless_asked(allow_loopback, server):
    ctx = context.RequestContext()
    url = server.url + "/to-echo"
    # Mistral passes allow_redirects=None to requests: not followed, and a
    # 302 is inside Mistral's success range (200..306).
    result = registry.run("std.http", {"url": url}, ctx, {},
                          conf=allow_loopback.conf)
    assert result["error"] is None and result["data"]["status"] == 302
    result = registry.run("std.http", {"url": url, "allow_redirects": True},
                          ctx, {}, conf=allow_loopback.conf)
    assert result["data"]["status"] == 200
    assert result["data"]["history"][0]["status"] == 302


def test_a_redirect_to_a_denied_address_is_refused(allow_loopback, server):
    allow_loopback.conf.set_override("denied_cidrs", ["169.254.0.0/16"],
                                     group="action_std_http")
    result = registry.run(
        "std.http", {"url": server.url + "/to-metadata",
                     "allow_redirects": True},
        context.RequestContext(), {}, conf=allow_loopback.conf)
    assert "resolves to a blocked address (169.254.169.254)" in \
        result["error"]
    assert server.seen == [("GET", "/to-metadata")]


def test_too_large_a_response_is_refused(allow_loopback, server):
    allow_loopback.conf.set_override("max_response_size_bytes", 1024,
                                     group="action_std_http")
    try:
        result = registry.run("std.http", {"url": server.url + "/big"},
                              context.RequestContext(), {},
                              conf=allow_loopback.conf)
    finally:
        allow_loopback.conf.clear_override("max_response_size_bytes",
                                           group="action_std_http")
    assert "HTTP response is too large (Content-Length=2048" in \
        result["error"]


def test_denied_address_is_refused_without_connecting(stack, server):
    # The default policy: loopback is denied.
    wf_ex, task = _run_one_task(stack,
                                "      action: std.http url=<% $.url %>\n",
                                server.url + "/echo")
    assert wf_ex.state == st.ERROR
    assert task.state == st.ERROR
    assert "URL host '127.0.0.1' resolves to a blocked address " \
        "(127.0.0.1)." in task.state_info
    assert server.connections == 0 and server.seen == []


@pytest.mark.parametrize("url, message", [
    ("http://localhost:1/", "resolves to a blocked address"),
    ("http://169.254.169.254/latest/meta-data/", "blocked address"),
    ("http://[::1]:1/", "blocked address (::1)"),
    ("file:///etc/passwd", "URL scheme 'file' is not allowed"),
])
def test_denied_urls_never_reach_the_network(stack, monkeypatch, url,
                                             message):
    import socket

    def no_connection(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    monkeypatch.setattr(socket.socket, "connect", no_connection)
    result = registry.run("std.http", {"url": url},
                          context.RequestContext(), {}, conf=stack.conf)
    assert message in result["error"]


def test_allowed_hosts_limits_where_it_goes(allow_loopback, server):
    allow_loopback.conf.set_override("allowed_hosts", ["api.example"],
                                     group="action_std_http")
    try:
        result = registry.run("std.http", {"url": server.url + "/echo"},
                              context.RequestContext(), {},
                              conf=allow_loopback.conf)
    finally:
        allow_loopback.conf.clear_override("allowed_hosts",
                                           group="action_std_http")
    assert "Host '127.0.0.1' is not in [action_std_http] allowed_hosts" in \
        result["error"]
    assert server.connections == 0


def test_body_and_json_together_are_refused():
    result = registry.run("std.http", {"url": "http://x.example/",
                                       "body": "a", "json": {"b": 1}},
                          context.RequestContext(), {})
    assert "Only one of the parameters 'json' and 'body' can be passed" in \
        result["error"]


def test_connection_failure_is_an_action_error(allow_loopback, server):
    port = server.server_address[1]
    server.shutdown()
    server.server_close()
    result = registry.run("std.http", {"url": "http://127.0.0.1:%d/" % port,
                                       "timeout": 5},
                          context.RequestContext(), {},
                          conf=allow_loopback.conf)
    assert result["error"].startswith("Failed to send HTTP request: ")
