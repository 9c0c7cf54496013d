"""What every response shares: versions, error bodies, body size, JSON."""
import webtest

from mistral_resume.api import app as api_app
from mistral_resume import exceptions as exc
from tests.api import helpers


def test_versions_list_like_mistral(stack):
    response = stack.app.get("/")
    assert response.json == [{"id": "v2.0", "status": "CURRENT",
                              "link": {"href": "http://localhost/v2",
                                       "target": "v2"}}]


def test_v2_root_document_with_and_without_slash(stack):
    for path in ("/v2", "/v2/"):
        response = stack.app.get(path)
        assert response.status_int == 200
        assert response.json == {"uri": "http://localhost/v2"}


def test_unknown_path_is_a_404_fault(stack):
    response = stack.app.get("/v2/nothing_here", status=404)
    assert "not be found" in helpers.fault(response)


def test_wrong_method_is_a_405_fault_with_allow(stack):
    response = stack.app.post_json("/v2/tasks", {}, status=405)
    helpers.fault(response)
    assert "GET" in response.headers["Allow"]


def test_body_over_the_limit_is_413_before_parsing(stack):
    limit = stack.conf.api.max_request_body_size
    response = stack.app.post("/v2/workflows", "x" * (limit + 1),
                              headers=helpers.TEXT, status=413)
    assert "%d bytes" % limit in helpers.fault(response)
    assert stack.app.get("/v2/workflows").json["workflows"] == []


def test_chunked_body_over_the_limit_is_413(stack):
    limit = stack.conf.api.max_request_body_size
    response = stack.app.post(
        "/v2/executions", b"{" + b" " * limit + b"}",
        headers={"Content-Type": "application/json",
                 "Transfer-Encoding": "chunked"}, status=413)
    assert "too large" in helpers.fault(response)


def test_body_at_the_limit_passes_through(stack):
    limit = stack.conf.api.max_request_body_size
    head = '{"workflow_name": "nope"'
    body = head + " " * (limit - len(head) - 1) + "}"
    assert len(body) == limit
    response = stack.app.post("/v2/executions", body,
                              headers={"Content-Type": "application/json"},
                              status=404)
    assert "nope" in helpers.fault(response)


def test_malformed_json_body_is_a_400_fault(stack):
    response = stack.app.post("/v2/executions", '{"workflow_name": ',
                              headers={"Content-Type": "application/json"},
                              status=400)
    assert "not in valid JSON" in helpers.fault(response)


def test_unknown_body_attribute_is_a_400_fault(stack):
    response = stack.app.post_json(
        "/v2/executions", {"workflow_name": "hello", "colour": "red"},
        status=400)
    assert "colour" in helpers.fault(response)


def test_unknown_query_parameter_is_a_400_fault(stack):
    response = stack.app.get("/v2/executions?colour=red", status=400)
    assert "colour" in helpers.fault(response)


class _BrokenEngine:
    """An engine client whose every call fails unexpectedly."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise RuntimeError("secret internals of %s" % name)
        return fail


class _RefusingEngine:
    def create_workflows(self, ctx, definition, **kwargs):
        raise exc.Conflict("Someone else holds this name")


def _app_with(stack, engine):
    return webtest.TestApp(api_app.setup_app(stack.conf, stack.db, engine))


def test_unexpected_error_is_a_generic_500_on_a_wsme_door(stack):
    app = _app_with(stack, _BrokenEngine())
    response = app.post_json("/v2/executions", {"workflow_name": "x"},
                             status=500)
    message = helpers.fault(response)
    assert "secret" not in message and "service log" in message


def test_unexpected_error_is_a_generic_500_on_a_text_door(stack):
    app = _app_with(stack, _BrokenEngine())
    response = helpers.create(app, status=500)
    message = helpers.fault(response)
    assert "secret" not in message and "service log" in message


def test_our_errors_keep_their_status_on_a_text_door(stack):
    app = _app_with(stack, _RefusingEngine())
    response = helpers.create(app, status=409)
    assert helpers.fault(response) == "Someone else holds this name"
