"""The language's value shapes: checkers and normalizers.

Every checker takes a raw YAML value and returns its normalized form, or
raises ``SpecError`` with a message and the path below the key it checks;
``spec/builder.py`` maps each key to one of these in its tables and
``spec/parser.py`` adds the workflow, the task, the field and the YAML line.

Shapes follow Mistral 23 (mistral/lang/types.py, mistral/lang/v2/*.py):
an "expression" is a whole string ``<% ... %>``, ``{{ ... }}`` or
``{% ... %}``; counts and delays are integers >= 0 or expressions.
"""

import json
import re

from mistral_resume import exceptions
from mistral_resume.expressions import base as expr_base
from mistral_resume.spec import inline
from mistral_resume.spec import models

_WHOLE_EXPRESSION = re.compile(r"\s*(<%.*%>|\{\{.*\}\}|\{%.*%\})\s*\Z", re.S)
_WITH_ITEMS = re.compile(r"\s*([\w-]+)\s+in\s*(.+?)\s*\Z", re.S)
_VAR_NAME = re.compile(r"[\w-]+\Z")


class SpecError(Exception):
    """A language error at ``path`` (keys and indexes) below a field."""

    def __init__(self, message, path=()):
        super().__init__(message)
        self.message = message
        self.path = tuple(path)

    def within(self, *prefix):
        return SpecError(self.message, prefix + self.path)


def is_expression(value):
    return isinstance(value, str) and bool(_WHOLE_EXPRESSION.match(value))


def check_expressions(value, path=()):
    """Validate the expression syntax of every string inside ``value``."""
    if isinstance(value, str):
        try:
            expr_base.validate(value)
        except exceptions.ExpressionError as e:
            raise SpecError("invalid expression %r: %s" % (value, e), path)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_expressions(item, path + (key,))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            check_expressions(item, path + (i,))
    elif isinstance(value, models.Transition):
        check_expressions(value.condition, path)
        check_expressions(value.params, path)
    elif isinstance(value, Clause):
        check_expressions(value.transitions, path)
        check_expressions(value.publish, path + ("publish",))


# Plain types.

def _type_name(value):
    name = {dict: "a mapping", list: "a list", str: "a string",
            bool: "a boolean", int: "an integer", float: "a number",
            type(None): "nothing"}.get(type(value), type(value).__name__)
    if isinstance(value, (dict, list, str)) and not value:
        name = "an empty" + name[1:]
    return name


def _expected(what, value):
    got = _type_name(value)
    if isinstance(value, (str, int, float)) and value != "":
        got = repr(value) if len(repr(value)) < 60 else got
    return SpecError("expected %s, got %s" % (what, got))


def nonempty_string(value):
    if not isinstance(value, str) or not value:
        raise _expected("a non-empty string", value)
    return value


def string(value):
    if not isinstance(value, str):
        raise _expected("a string", value)
    return value


def string_list(value):
    """A non-empty string or a list of unique non-empty strings -> list."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise _expected("a string or a non-empty list of strings", value)
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item:
            raise _expected("a non-empty string", item).within(i)
        if item in items[:i]:
            raise SpecError("duplicate entry %r" % item, (i,))
    return list(items)


def tags(value):
    if not isinstance(value, list):
        raise _expected("a list of strings", value)
    return string_list(value) if value else []


def mapping(value):
    if not isinstance(value, dict) or not value:
        raise _expected("a non-empty mapping", value)
    for key in value:
        if not isinstance(key, str) or not key:
            raise SpecError("keys must be non-empty strings, got %r" % (key,))
    return dict(value)


def var_mapping(value):
    """A mapping whose keys become variable names ($.name)."""
    result = mapping(value)
    for key in result:
        if not _VAR_NAME.match(key):
            raise SpecError("invalid variable name %r (letters, digits, '_'"
                            " and '-' only)" % key)
    return result


def mapping_or_expression(value):
    if isinstance(value, str):
        return nonempty_string(value)
    return mapping(value)


def any_value(value):
    return value


def _int_or_expression(minimum):
    def check(value):
        if is_expression(value):
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise _expected("an integer or an expression", value)
        if value < minimum:
            raise SpecError("must be at least %d, got %d" % (minimum, value))
        return value
    return check


count = _int_or_expression(0)


def bool_or_expression(value):
    if isinstance(value, bool) or is_expression(value):
        return value
    raise _expected("a boolean or an expression", value)


def expression(value):
    if is_expression(value):
        return value
    raise SpecError(f"expected an expression <% ... %> or {{{{ ... }}}}, "
                    f"got {value!r}")


def params_list(value):
    """Workflow/action input: names, or one-key mappings name: default."""
    if not isinstance(value, list) or not value:
        raise _expected("a non-empty list", value)
    result = []
    for i, entry in enumerate(value):
        if isinstance(entry, dict) and len(entry) == 1:
            (name, default), = entry.items()
        elif isinstance(entry, str):
            name, default = entry, models.NO_DEFAULT
        else:
            raise SpecError("expected a name or a one-key mapping name: "
                            "default, got %r" % (entry,), (i,))
        if not isinstance(name, str) or not _VAR_NAME.match(name):
            raise SpecError("invalid parameter name %r" % (name,), (i,))
        if any(name == seen for seen, _ in result):
            raise SpecError("duplicate parameter %r" % name, (i,))
        result.append((name, default))
    return result


def _inline(parse, text):
    try:
        return parse(text)
    except ValueError as e:
        raise SpecError(str(e))


def call(value):
    """'std.http url=x' -> ('std.http', {'url': 'x'}); see spec/inline.py."""
    return _inline(inline.parse_call, nonempty_string(value))


# Composite task values.

def with_items(value):
    """'x in <% $.xs %>' or a list of such -> [(var, expression or list)]."""
    result = []
    for i, item in enumerate(string_list(value)):
        match = _WITH_ITEMS.match(item)
        source = match.group(2) if match else ""
        if not (is_expression(source) or source.startswith("[")):
            raise SpecError("expected 'var in <% expression %>' or "
                            f"'var in [list]', got {item!r}", (i,))
        var = match.group(1)
        if source.startswith("["):
            try:
                source = json.loads(source)
            except ValueError as e:
                raise SpecError("invalid list in %r: %s" % (item, e), (i,))
        if any(var == seen for seen, _ in result):
            raise SpecError("variable %r used twice" % var, (i,))
        result.append((var, source))
    return result


_RETRY_KEYS = {"count": count, "delay": count,
               "break-on": expression, "continue-on": expression}


def retry(value):
    """A mapping or the one-line 'count=3 delay=1 break-on=<% ... %>'."""
    if isinstance(value, str):
        value = _inline(inline.parse_params, value)
    if not isinstance(value, dict):
        raise _expected("a mapping or 'count=N delay=N'", value)
    result = {}
    for key, item in value.items():
        if key not in _RETRY_KEYS:
            raise SpecError("unknown key %r (expected one of %s)"
                            % (key, ", ".join(_RETRY_KEYS)), (key,))
        try:
            result[key] = _RETRY_KEYS[key](item)
        except SpecError as e:
            raise e.within(key)
    for key in ("count", "delay"):
        if key not in result:
            raise SpecError("%r is required" % key)
    return result


def join(value):
    if value == "all":
        return "all"
    if value == "one":
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError("expected 'all', 'one' or an integer >= 1, got %r"
                        % (value,))
    return value


class Clause:
    """An on-* clause: its transitions and its advanced 'publish', if any."""

    def __init__(self, transitions, publish=None):
        self.transitions = transitions
        self.publish = publish


def _transition(item, i):
    if isinstance(item, str):
        text, condition = item, None
    elif isinstance(item, dict) and len(item) == 1:
        (text, condition), = item.items()
        if not isinstance(text, str) or not is_expression(condition):
            raise SpecError("a conditional transition is 'task: <% "
                            f"condition %>', got {item!r}", (i,))
    else:
        raise SpecError("expected a task name or 'task: <% condition %>',"
                        f" got {item!r}", (i,))
    try:
        target, params = _inline(inline.parse_target, text)
    except SpecError as e:
        raise e.within(i)
    return models.Transition(target, condition, params)


def _next(value):
    items = value if isinstance(value, list) else [value]
    if not items:
        raise SpecError("expected at least one transition")
    for i, item in enumerate(items):
        if item in items[:i]:
            raise SpecError("duplicate transition %r" % (item,), (i,))
    return [_transition(item, i) for i, item in enumerate(items)]


_PUBLISH_SCOPES = ("branch", "global", "atomic")


def _advanced_publish(value):
    if not isinstance(value, dict) or not value:
        raise _expected("a mapping with branch, global or atomic", value)
    for scope, item in value.items():
        if scope not in _PUBLISH_SCOPES:
            raise SpecError("unknown publish scope %r (expected one of %s)"
                            % (scope, ", ".join(_PUBLISH_SCOPES)), (scope,))
        try:
            mapping(item)
        except SpecError as e:
            raise e.within(scope)
    return dict(value)


def clause(value):
    """Simple form (name, 'name: <% cond %>', list of these) or the advanced
    form {publish: {branch|global|atomic: ...}, next: simple form}."""
    is_condition = (isinstance(value, dict) and len(value) == 1
                    and is_expression(next(iter(value.values()))))
    if not isinstance(value, dict) or is_condition:
        return Clause(_next(value))
    unknown = sorted(map(str, set(value) - {"publish", "next"}))
    if unknown or not value:
        raise SpecError("the advanced form takes 'publish' and/or 'next'%s"
                        % (", not %s" % ", ".join(map(repr, unknown))
                           if unknown else ""))
    publish = None
    if "publish" in value:
        try:
            publish = _advanced_publish(value["publish"])
        except SpecError as e:
            raise e.within("publish")
    transitions = []
    if "next" in value:
        try:
            transitions = _next(value["next"])
        except SpecError as e:
            raise e.within("next")
    return Clause(transitions, publish)
