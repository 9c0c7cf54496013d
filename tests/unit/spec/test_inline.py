"""Mistral's inline syntax: 'name k=v ...' in action, workflow, retry, on-*."""
import pytest

from mistral_resume.spec import inline


@pytest.mark.parametrize("text, expected", [
    ("", {}),
    ("   ", {}),
    ('output="Hello <% $.name %>"', {"output": "Hello <% $.name %>"}),
    ("url=http://x method=GET", {"url": "http://x", "method": "GET"}),
    ("url='http://x?a=1&b=2'", {"url": "http://x?a=1&b=2"}),
    ('a="x y" b=\'p q\'', {"a": "x y", "b": "p q"}),
    ('a=""', {"a": ""}),
    # Quoted values stay text, even when they look like JSON.
    ('a="1" b="true"', {"a": "1", "b": "true"}),
    ("n=1 f=2.5 neg=-3 e=1e3", {"n": 1, "f": 2.5, "neg": -3, "e": 1000.0}),
    ("t=true f=false z=null", {"t": True, "f": False, "z": None}),
    # JSON-like values are read as JSON.
    ('l=[1, "two", {"x": null}]', {"l": [1, "two", {"x": None}]}),
    ('d={"a": [1, 2], "b": "c d"}', {"d": {"a": [1, 2], "b": "c d"}}),
    # ...and kept as text when JSON cannot read them (Mistral does so).
    ("to_addrs=['admin@mysite.org']", {"to_addrs": "['admin@mysite.org']"}),
    # Expressions are kept whole, spaces included.
    ("x=<% $.a + 1 %> y={{ _.b }}", {"x": "<% $.a + 1 %>", "y": "{{ _.b }}"}),
    ("x={% if a %}1{% endif %}", {"x": "{% if a %}1{% endif %}"}),
    ("url=http://<% $.host %>/p q=1",
     {"url": "http://<% $.host %>/p", "q": 1}),
    ("id={{ _.vm_id }} status='ACTIVE'",
     {"id": "{{ _.vm_id }}", "status": "ACTIVE"}),
    ("break-on=<% $.x = 1 %> count=3", {"break-on": "<% $.x = 1 %>",
                                        "count": 3}),
    ("nan=NaN inf=Infinity word=GET1", {"nan": "NaN", "inf": "Infinity",
                                        "word": "GET1"}),
    ("  a=1\tb=2  ", {"a": 1, "b": 2}),
])
def test_parse_params(text, expected):
    assert inline.parse_params(text) == expected


@pytest.mark.parametrize("text, fragment", [
    ("garbage", "expected name=value at 'garbage'"),
    ("a=1 trailing", "expected name=value at 'trailing'"),
    ("a=", "missing value for 'a'"),
    ("a= b=1", "missing value for 'a'"),
    ('a="open', "unclosed quote"),
    ("a=[1, 2", "unclosed '['"),
    ("a=<% $.x", "unclosed expression"),
    ('a="x"y', "unexpected 'y' after the value of 'a'"),
    ("a=1 a=2", "parameter 'a' given twice"),
])
def test_parse_params_errors(text, fragment):
    with pytest.raises(ValueError, match=None) as info:
        inline.parse_params(text)
    assert fragment in str(info.value)


@pytest.mark.parametrize("text, expected", [
    ("std.echo", ("std.echo", {})),
    ("  std.noop  ", ("std.noop", {})),
    ('std.echo output="Hello <% $.name %>"',
     ("std.echo", {"output": "Hello <% $.name %>"})),
    ("std.http url=http://x method=GET",
     ("std.http", {"url": "http://x", "method": "GET"})),
    ("my-pack.my_action x=1", ("my-pack.my_action", {"x": 1})),
    ("sub_wf p1='v1' p2=<% $.v %>", ("sub_wf", {"p1": "v1",
                                                "p2": "<% $.v %>"})),
    ("<% $.action_name %>", ("<% $.action_name %>", {})),
    ("<% $.action_name %> x=1", ("<% $.action_name %>", {"x": 1})),
    ("{{ _.wf_name }} a='b'", ("{{ _.wf_name }}", {"a": "b"})),
])
def test_parse_call(text, expected):
    assert inline.parse_call(text) == expected


@pytest.mark.parametrize("text", [
    "output=1", "std.echo(output=1)", '"std.echo"', "std.echo output",
])
def test_parse_call_errors(text):
    with pytest.raises(ValueError):
        inline.parse_call(text)


@pytest.mark.parametrize("text, expected", [
    ("t2", ("t2", {})),
    ("my-task", ("my-task", {})),
    ('fail msg="it broke"', ("fail", {"msg": "it broke"})),
    ("fail msg=<% $.err %>", ("fail", {"msg": "<% $.err %>"})),
    ('fail(msg="it broke")', ("fail", {"msg": "it broke"})),
    ("pause(msg=<% task().result %>)",
     ("pause", {"msg": "<% task().result %>"})),
    ("succeed()", ("succeed", {})),
])
def test_parse_target(text, expected):
    assert inline.parse_target(text) == expected


@pytest.mark.parametrize("text", ["", "a.b", "fail(msg=1", "t 1", "t2 x"])
def test_parse_target_errors(text):
    with pytest.raises(ValueError):
        inline.parse_target(text)
