"""``/v2/workflows``: YAML in, Mistral's JSON out."""
import pytest

from tests.api import helpers

FIELDS = {"id", "name", "namespace", "input", "definition", "tags", "scope",
          "project_id", "created_at", "updated_at"}


@pytest.mark.parametrize("accept", [None, "application/json", "text/plain",
                                    "application/xml"])
def test_create_answers_201_json_whatever_accept_says(stack, accept):
    headers = {"Accept": accept} if accept else None
    response = helpers.create(stack.app, headers=headers)
    assert response.content_type == "application/json"
    workflows = response.json["workflows"]
    assert [w["name"] for w in workflows] == ["hello", "waits"]
    hello = workflows[0]
    assert set(hello) == FIELDS
    assert hello["input"] == 'name, greeting="hello"'
    assert hello["definition"] == helpers.DOC
    assert hello["scope"] == "private" and hello["namespace"] == ""
    assert hello["tags"] == [] and hello["updated_at"] is None
    # Mistral's datetime format, which python-mistralclient parses.
    assert len(hello["created_at"]) == 19 and hello["created_at"][10] == " "


def test_create_in_a_namespace_public(stack):
    response = helpers.create(stack.app, query="?namespace=ns1&scope=public")
    assert {(w["namespace"], w["scope"])
            for w in response.json["workflows"]} == {("ns1", "public")}
    # The same names again in another namespace are other workflows.
    helpers.create(stack.app)
    assert len(stack.app.get("/v2/workflows").json["workflows"]) == 4


def test_create_refuses_a_duplicate_with_409(stack):
    helpers.create(stack.app)
    response = helpers.create(stack.app, status=409)
    assert "hello" in helpers.fault(response)


def test_create_refuses_an_invalid_document_with_400(stack):
    response = helpers.create(stack.app, "hello: [", status=400)
    assert "YAML" in helpers.fault(response)
    response = helpers.create(stack.app, "", status=400)
    assert "empty" in helpers.fault(response)
    response = helpers.create(stack.app, b"\xff\xfe: x", status=400)
    assert "UTF-8" in helpers.fault(response)


def test_create_refuses_an_unknown_scope(stack):
    response = helpers.create(stack.app, query="?scope=galactic", status=400)
    assert "galactic" in helpers.fault(response)


def test_get_by_name_and_by_id(stack):
    created = helpers.create(stack.app).json["workflows"][0]
    by_name = stack.app.get("/v2/workflows/hello").json
    by_id = stack.app.get("/v2/workflows/%s" % created["id"]).json
    assert by_name == by_id == created


def test_get_by_name_in_a_namespace(stack):
    helpers.create(stack.app, query="?namespace=ns1")
    stack.app.get("/v2/workflows/hello?namespace=ns1")
    response = stack.app.get("/v2/workflows/hello", status=404)
    assert "not found" in helpers.fault(response)


def test_get_unknown_is_404(stack):
    response = stack.app.get("/v2/workflows/nope", status=404)
    assert "nope" in helpers.fault(response)


def test_list_pages_with_marker_and_next_link(stack):
    for i in range(3):
        helpers.create(stack.app, helpers.DOC, query="?namespace=n%d" % i)
    names = [(w["namespace"], w["name"]) for w in stack.app.get(
        "/v2/workflows?sort_keys=namespace,name").json["workflows"]]
    assert len(names) == 6
    seen, url = [], "/v2/workflows?sort_keys=namespace,name&limit=4"
    while url:
        page = stack.app.get(url).json
        seen += [(w["namespace"], w["name"]) for w in page["workflows"]]
        url = page.get("next", "").replace("http://localhost", "")
    assert seen == names


def test_list_filters_and_fields(stack):
    helpers.create(stack.app, query="?namespace=ns1")
    helpers.create(stack.app, query="?scope=public")
    listed = stack.app.get("/v2/workflows?namespace=ns1&fields=name").json
    assert listed["workflows"] == [
        {"id": listed["workflows"][0]["id"], "name": "hello"},
        {"id": listed["workflows"][1]["id"], "name": "waits"}]
    public = stack.app.get("/v2/workflows?scope=public").json["workflows"]
    assert {w["namespace"] for w in public} == {""}


@pytest.mark.parametrize("query, message", [
    ("limit=0", "Limit must be positive"),
    ("limit=-3", "Limit must be positive"),
    ("limit=many", "limit"),
    ("sort_keys=colour", "Unknown sort key"),
    ("sort_dirs=up", "Unknown sort direction"),
    ("sort_keys=name&sort_dirs=asc,desc", "sort_keys"),
    ("fields=colour", "invalid"),
    ("scope=galactic", "Invalid scope"),
])
def test_list_refuses_bad_parameters_with_400(stack, query, message):
    response = stack.app.get("/v2/workflows?" + query, status=400)
    assert message in helpers.fault(response)


def test_list_unknown_marker_is_404(stack):
    stack.app.get("/v2/workflows?marker=nope", status=404)


def test_projects_see_their_own_workflows(stack):
    helpers.create(stack.app)
    other = {"X-Project-Id": "other-project"}
    assert stack.app.get("/v2/workflows",
                         headers=other).json["workflows"] == []
    stack.app.get("/v2/workflows/hello", headers=other, status=404)
    admin = {"X-Project-Id": "other-project", "X-Roles": "admin"}
    assert len(stack.app.get("/v2/workflows",
                             headers=admin).json["workflows"]) == 2


def test_update_all_of_a_document(stack):
    helpers.create(stack.app)
    changed = helpers.DOC.replace("greeting: hello", "greeting: hi")
    response = stack.app.put("/v2/workflows", changed,
                             headers=helpers.TEXT)
    assert response.status_int == 200
    hello = response.json["workflows"][0]
    assert hello["input"] == 'name, greeting="hi"'
    assert hello["updated_at"] is not None


def test_update_by_id_answers_that_workflow_alone(stack):
    created = helpers.create(stack.app).json["workflows"]
    hello_only = helpers.DOC.split("waits:")[0]
    response = stack.app.put("/v2/workflows/%s" % created[0]["id"],
                             hello_only, headers=helpers.TEXT)
    assert response.json["id"] == created[0]["id"]
    assert response.json["name"] == "hello"


def test_update_by_id_refuses_a_document_naming_others(stack):
    created = helpers.create(stack.app).json["workflows"]
    response = stack.app.put("/v2/workflows/%s" % created[0]["id"],
                             helpers.DOC, headers=helpers.TEXT, status=400)
    assert "exactly that workflow" in helpers.fault(response)
    stack.app.put("/v2/workflows/nope", helpers.DOC, headers=helpers.TEXT,
                  status=404)


def test_delete_by_name_and_by_id(stack):
    created = helpers.create(stack.app).json["workflows"]
    response = stack.app.delete("/v2/workflows/hello")
    assert response.status_int == 204 and response.body == b""
    stack.app.delete("/v2/workflows/%s" % created[1]["id"], status=204)
    assert stack.app.get("/v2/workflows").json["workflows"] == []
    response = stack.app.delete("/v2/workflows/hello", status=404)
    helpers.fault(response)


def test_validate_writes_nothing(stack):
    response = stack.app.post("/v2/workflows/validate", helpers.DOC,
                              headers=dict(helpers.TEXT,
                                           Accept="application/json"))
    assert response.json == {"valid": True, "error": None}
    assert stack.app.get("/v2/workflows").json["workflows"] == []


@pytest.mark.parametrize("text", [
    "hello: [",
    "---\nversion: '2.0'\nw:\n  tasks:\n    t:\n      action: std.nope\n",
    "",
])
def test_validate_reports_what_is_wrong(stack, text):
    response = stack.app.post("/v2/workflows/validate", text,
                              headers=helpers.TEXT)
    assert response.status_int == 200
    assert response.json["valid"] is False
    assert isinstance(response.json["error"], str) and response.json["error"]
