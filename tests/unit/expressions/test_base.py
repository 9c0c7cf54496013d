"""The facade: detection, native values vs interpolation, recursion, errors."""

import pytest

from mistral_resume import exceptions as exc
from mistral_resume.expressions import base

DATA = {
    "name": "vm1",
    "port": 8080,
    "flag": True,
    "nothing": None,
    "numbers": [1, 2, 3],
    "nested": {"a": {"b": "deep"}},
    "hosts": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
}


@pytest.mark.parametrize("value, expected", [
    ("<% $.x %>", True),
    ("prefix <% $.x %> suffix", True),
    ("{{ _.x }}", True),
    ("a {{ _.x }} b", True),
    ("{% if true %}x{% endif %}", True),
    ("<% $.a %> {{ _.b }}", True),
    ("plain text", False),
    ("<%", False),
    ("{{ no end", False),
    ("% $.x %", False),
    ("", False),
    # Mistral's patterns have no DOTALL: an expression spans one line.
    ("<% $.x\n %>", False),
    ("{{ _.x\n }}", False),
    (None, False),
    (42, False),
    (["<% $.x %>"], False),
    ({"k": "<% $.x %>"}, False),
])
def test_is_expression(value, expected):
    assert base.is_expression(value) is expected


@pytest.mark.parametrize("text, expected", [
    # A string that is exactly one expression gives the native value.
    ("<% $.port %>", 8080),
    ("<% $.flag %>", True),
    ("<% $.nothing %>", None),
    ("<% $.numbers %>", [1, 2, 3]),
    ("<% $.nested %>", {"a": {"b": "deep"}}),
    ("<%$.port%>", 8080),
    ("<% $.hosts.select($.ip) %>", ["10.0.0.1", "10.0.0.2"]),
    ("<% $.numbers.where($ > 1).sum() %>", 5),
    ("<% {k => $.port} %>", {"k": 8080}),
    ("<% [1, [2, 3]] %>", [1, [2, 3]]),
    ("<% set(1, 2).len() %>", 2),
    ("<% ERROR %>", "ERROR"),
    ("{{ _.port }}", 8080),
    ("{{ _.flag }}", True),
    ("{{ _.nothing }}", None),
    ("{{ _.numbers }}", [1, 2, 3]),
    ("{{ _.nested.a }}", {"b": "deep"}),
    ("{{ _['name'] }}", "vm1"),
    ("{{ _.numbers | map('string') | list }}", ["1", "2", "3"]),
    ("{{ _.port + 1 }}", 8081),
    ("{{ {'k': _.port} }}", {"k": 8080}),
    # Text around the expressions gives a string of str() values.
    ("port=<% $.port %>", "port=8080"),
    ("<% $.name %>:<% $.port %>", "vm1:8080"),
    (" <% $.port %>", " 8080"),
    ("<% $.numbers %>!", "[1, 2, 3]!"),
    ("<% $.nested %>!", "{'a': {'b': 'deep'}}!"),
    ("<% $.nothing %>!", "None!"),
    ("<% $.flag %>!", "True!"),
    ("http://{{ _.name }}:{{ _.port }}/api", "http://vm1:8080/api"),
    ("{{ _.numbers }}!", "[1, 2, 3]!"),
    ("{{ _.nothing }}!", "None!"),
    ("{{ _.port }}{{ _.port }}", "80808080"),
    ("{% for i in _.numbers %}{{ i }},{% endfor %}", "1,2,3,"),
    ("{% if _.flag %}on{% else %}off{% endif %}", "on"),
    # Jinja renders a template without a trailing newline.
    ("{{ _.port }}\n", "8080"),
    # No expression: the string comes back as it is.
    ("plain", "plain"),
    ("", ""),
    ("<% $.port\n %>", "<% $.port\n %>"),
])
def test_evaluate(text, expected):
    assert base.evaluate(text, DATA) == expected


@pytest.mark.parametrize("value", [None, 1, 2.5, True, [1, "<% 1 %>"],
                                   {"a": "<% 1 %>"}])
def test_evaluate_returns_non_strings_as_they_are(value):
    assert base.evaluate(value, DATA) is value


def test_mixed_string_is_evaluated_as_jinja():
    # Mistral tries jinja before yaql; the <% %> part stays text.
    result = base.evaluate("<% $.port %> {{ _.port }}", DATA)
    assert result == "<% $.port %> 8080"


def test_yaql_result_is_plain_python():
    result = base.evaluate("<% dict(a => [1, 2], b => set(3)) %>", DATA)
    assert result == {"a": [1, 2], "b": [3]}
    assert type(result) is dict
    assert type(result["a"]) is list
    assert type(result["b"]) is list


def test_native_result_does_not_share_the_data():
    data = {"values": [1, 2]}
    for text in ("<% $.values %>", "{{ _['values'] }}"):
        result = base.evaluate(text, data)
        result.append(3)
        assert data["values"] == [1, 2], text


def test_jinja_attribute_prefers_dict_methods():
    # Jinja's getattr comes before the key: ``_.items`` is dict.items, as in
    # Mistral; ``_['items']`` reaches the key.
    data = {"items": [1, 2]}
    assert callable(base.evaluate("{{ _.items }}", data))
    assert base.evaluate("{{ _['items'] }}", data) == [1, 2]
    assert base.evaluate("<% $.items %>", data) == [1, 2]


def test_evaluate_recursively():
    spec = {
        "url": "http://<% $.name %>:{{ _.port }}",
        "port": "<% $.port %>",
        "list": ["{{ _.numbers }}", "static", 7, None, ["<% $.flag %>"]],
        "<% $.name %>": "{{ _.nested.a.b }}",
        "deep": {"deeper": {"value": "<% $.hosts[1].ip %>"}},
        "empty": {},
    }
    result = base.evaluate_recursively(spec, DATA)
    assert result == {
        "url": "http://<% $.name %>:8080",
        "port": 8080,
        "list": [[1, 2, 3], "static", 7, None, [True]],
        # Keys are not evaluated, as in Mistral.
        "<% $.name %>": "deep",
        "deep": {"deeper": {"value": "10.0.0.2"}},
        "empty": {},
    }
    # The given structure is untouched.
    assert spec["port"] == "<% $.port %>"
    assert spec["list"][4] == ["<% $.flag %>"]


@pytest.mark.parametrize("value, expected", [
    ("<% $.port %>", 8080),
    ([], []),
    (5, 5),
    (None, None),
])
def test_evaluate_recursively_leaves(value, expected):
    assert base.evaluate_recursively(value, DATA) == expected


def test_evaluate_with_empty_data_still_evaluates():
    assert base.evaluate("<% 1 + 1 %>", {}) == 2
    assert base.evaluate_recursively({"a": "{{ 1 + 1 }}"}, {}) == {"a": 2}


@pytest.mark.parametrize("text", [
    "<% $.a %>",
    "x <% $.a.b.select($ * 2) %> y <% len($.c) %>",
    "<% $.a and not $.b %>",
    "<% tasks(state => ERROR) %>",
    "{{ _.a }}",
    "{% for x in _.a %}{{ x }}{% endfor %}",
    "{{ task('t').result | json_dump }}",
    "no expression",
    "",
])
def test_validate_accepts(text):
    assert base.validate(text) is None


@pytest.mark.parametrize("value", [None, 1, {"a": "<% 1 + %>"}, ["{{ }}"]])
def test_validate_ignores_non_strings(value):
    assert base.validate(value) is None


@pytest.mark.parametrize("text, expected", [
    ("<% 1 + %>", "Invalid YAQL expression [expression=1 +, error=Parse"
                  " error: unexpected end of statement]"),
    ("a <% $.ok %> b <% $.x $.y %>", "Invalid YAQL expression"
                                      " [expression=$.x $.y, error="),
    ("<% 'abc %>", "Invalid YAQL expression [expression='abc, error="
                   "Lexical error"),
    ("<% %>", "Invalid YAQL expression [expression=, error="),
    ("{{ _.a b }}", "Invalid Jinja expression [expression={{ _.a b }},"
                    " error=expected token 'end of print statement'"),
    ("{% if %}x{% endif %}", "Invalid Jinja expression [expression="
                             "{% if %}x{% endif %}, error="),
    ("{% for x in _.a %}{{ x }}", "Invalid Jinja expression"),
    ("<% $.a %> {{ _.a }}", "The line already contains an expression of"
                            " type 'jinja'. Mixing expression types in a"
                            " single line is not allowed."),
])
def test_validate_rejects(text, expected):
    with pytest.raises(exc.ExpressionError) as raised:
        base.validate(text)
    assert expected in str(raised.value)
    assert raised.value.http_code == 400


def test_validate_recursively():
    base.validate_recursively({"a": ["<% $.x %>", {"b": "{{ _.y }}"}], "c": 1})
    with pytest.raises(exc.ExpressionError, match=r"expression=\$\.x \+"):
        base.validate_recursively({"a": [1, {"b": "<% $.x + %>"}]})


@pytest.mark.parametrize("text, expected", [
    ("<% $.missing %>", "Can not evaluate YAQL expression"
                        " [expression=$.missing, error='missing', data={"),
    ("<% $.nested.a.b.c %>", "[expression=$.nested.a.b.c, error="),
    ("port <% $.port / 0 %>", "[expression=$.port / 0, error=integer"
                              " division or modulo by zero"),
    ("<% foo(1) %>", "[expression=foo(1), error=Unknown function \"foo\""),
    ("<% $.numbers[10] %>", "[expression=$.numbers[10], error="),
    ("<% int('x') %>", "[expression=int('x'), error=invalid literal"),
    ("<% 1 + %>", "[expression=1 +, error=Parse error"),
    ("{{ _.missing }}", "Can not evaluate Jinja expression [expression="
                        "{{ _.missing }}, error='dict object' has no"
                        " attribute 'missing', data={"),
    ("a {{ _.missing }}", "[expression=a {{ _.missing }}, error='dict"
                          " object' has no attribute 'missing'"),
    ("{{ [_.missing] }}", "has no attribute 'missing'"),
    ("{{ foo() }}", "error='foo' is undefined"),
    ("{{ _.port / 0 }}", "error=division by zero"),
    ("{{ _.a b }}", "[expression={{ _.a b }}, error=chunk after expression"),
    ("x {{ _.a b }}", "[expression=x {{ _.a b }}, error=expected token"),
])
def test_evaluate_errors(text, expected):
    with pytest.raises(exc.ExpressionError) as raised:
        base.evaluate(text, DATA)
    assert expected in str(raised.value)


def test_error_message_cuts_the_data():
    data = {"big": "x" * 5000}
    with pytest.raises(exc.ExpressionError) as raised:
        base.evaluate("<% $.missing %>", data)
    message = str(raised.value)
    assert len(message) < 400
    assert message.endswith("...]")


def test_evaluate_reports_the_failing_expression_of_several():
    with pytest.raises(exc.ExpressionError) as raised:
        base.evaluate("<% $.port %> and <% $.nope %>", DATA)
    assert "[expression=$.nope," in str(raised.value)


@pytest.mark.parametrize("path", [
    "$", "$.name", "$.port", "$.flag", "$.nothing", "$.numbers",
    "$.nested", "$.nested.a", "$.nested.a.b", "$.hosts",
])
def test_plain_paths_read_the_data_as_yaql_does(path):
    # "<% $.a %>" is read straight from the dicts; "<% ($.a) %>" is not a
    # plain path, so yaql evaluates it: both must agree.
    fast = base.evaluate("<% " + path + " %>", DATA)
    slow = base.evaluate("<% (" + path + ") %>", DATA)
    assert fast == slow
    assert type(fast) is type(slow)


def test_a_plain_path_gives_a_copy_of_the_data():
    data = {"nested": {"a": [1]}}
    value = base.evaluate("<% $.nested %>", data)
    value["a"].append(2)
    assert data == {"nested": {"a": [1]}}


def test_a_path_through_a_list_is_left_to_yaql():
    # yaql maps an attribute over a list of dicts; the plain reading of
    # dicts does not try.
    assert base.evaluate("<% $.hosts.ip %>", DATA) == ["10.0.0.1",
                                                       "10.0.0.2"]


@pytest.mark.parametrize("path, error", [
    ("$.missing", "error='missing'"),
    ("$.nested.missing", "error='missing'"),
    ("$.name.x", 'error=Unknown function "#property#x"'),
])
def test_a_path_yaql_refuses_fails_as_yaql_says(path, error):
    with pytest.raises(exc.ExpressionError) as e:
        base.evaluate("<% " + path + " %>", DATA)
    assert "[expression=%s, %s" % (path, error) in str(e.value)
