"""``/v2/actions``: the registry's actions, read only."""
import pytest

from mistral_resume.executor import registry
from tests.api import helpers

FIELDS = {"id", "name", "namespace", "is_system", "input", "description",
          "tags", "definition", "scope", "project_id", "created_at",
          "updated_at"}


def test_list_is_every_registered_action_by_name(stack):
    actions = stack.app.get("/v2/actions").json["actions"]
    names = [a["name"] for a in actions]
    assert names == sorted(registry.load())
    echo = actions[names.index("std.echo")]
    assert set(echo) == FIELDS
    assert echo["id"] == "std.echo" and echo["is_system"] is True
    assert echo["input"] == registry.signature(registry.load()["std.echo"])


def test_list_pages_by_name(stack):
    names = sorted(registry.load())
    seen, url = [], "/v2/actions?limit=2"
    while url:
        page = stack.app.get(url).json
        seen += [a["name"] for a in page["actions"]]
        url = page.get("next", "").replace("http://localhost", "")
    assert seen == names
    backwards = stack.app.get("/v2/actions?sort_dirs=desc").json["actions"]
    assert [a["name"] for a in backwards] == names[::-1]


def test_list_filters_and_fields(stack):
    only = stack.app.get("/v2/actions?name=std.fail&fields=input").json
    # Defaults as JSON, as Mistral (mistral-lib) writes the signature.
    assert only["actions"] == [{"id": "std.fail", "input": "error_data=null"}]
    assert stack.app.get(
        "/v2/actions?is_system=false").json["actions"] == []


@pytest.mark.parametrize("path", ["/v2/actions/std.echo",
                                  "/v2/actions/std.echo/"])
def test_get_one_as_the_client_asks(stack, path):
    # python-mistralclient asks for /actions/<name>/<namespace>.
    action = stack.app.get(path).json
    assert action["name"] == "std.echo" and set(action) == FIELDS


def test_get_unknown_is_404(stack):
    response = stack.app.get("/v2/actions/std.nope/", status=404)
    assert "std.nope" in helpers.fault(response)


def test_bad_parameters_are_400(stack):
    stack.app.get("/v2/actions?sort_keys=colour", status=400)
    stack.app.get("/v2/actions?is_system=perhaps", status=400)
    stack.app.get("/v2/actions?marker=std.nope", status=404)
