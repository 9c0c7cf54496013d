"""YAML text -> ``models.Document``, with errors that say where.

Two document forms, as Mistral accepts them:

- workflows: ``version: '2.0'`` and any number of ``name: {workflow}``;
- workbook: ``version``, ``name`` (a string), ``description``, ``tags``,
  ``workflows: {name: {workflow}}``, ``actions: {name: {ad hoc action}}``.

and, for ``POST /v2/actions`` (``parse_actions``), an actions document:
``version: '2.0'`` and any number of ``name: {ad hoc action}``.

The YAML dialect is Mistral's (mistral/utils/safe_yaml.py): anchors and
aliases are not YAML syntax there, ``&x`` and ``*x`` are plain text, so no
alias expansion (and no "billion laughs") can happen; ``@`` may start plain
text. Unlike Mistral, a mapping with a duplicate key is refused, and dates
stay strings so that every spec is JSON.

Every ``DSLParsingError`` message names the place: the YAML line and column
for a syntax error; the workflow (or action), the task, the field and the
line for a language error, e.g. ``Invalid workflow 'wf1', task 't2',
field 'on-success': unknown task 't9' (line 12)``.
"""

import json

import yaml

from mistral_resume import exceptions
from mistral_resume.spec import builder
from mistral_resume.spec import models
from mistral_resume.spec import schema

VERSION = "2.0"
_WORKBOOK_KEYS = ("version", "name", "description", "tags", "workflows",
                  "actions")
_MERGE_TAG = "tag:yaml.org,2002:merge"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_JSON_TYPES = (dict, list, str, int, float, bool, type(None))


class _Loader(yaml.SafeLoader):
    """Mistral's YAML dialect, plus duplicate keys refused."""

    def fetch_alias(self):
        return self.fetch_plain()

    def fetch_anchor(self):
        return self.fetch_plain()

    def check_plain(self):
        return self.peek() == "@" or super().check_plain()

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            first = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    mark = first.setdefault(key, key_node.start_mark)
                except TypeError:
                    continue  # unhashable: the base class says so
                if mark is not key_node.start_mark:
                    raise yaml.constructor.ConstructorError(
                        None, None, "duplicate key %r (first at line %d)"
                        % (key, mark.line + 1), key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _invalid(message):
    return exceptions.DSLParsingError(message)


def _load(text):
    """-> (root node, data); YAML errors name the line and column."""
    try:
        # The reader refuses control characters before any parsing.
        loader = _Loader(text)
    except yaml.YAMLError as e:
        raise _invalid("Invalid YAML: %s" % e)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = (" at line %d, column %d" % (mark.line + 1, mark.column + 1)
                 if mark else "")
        problem = e.problem or e.context or "cannot be read"
        if e.context and e.problem:
            problem = "%s (%s)" % (problem, e.context)
        raise _invalid("Invalid YAML%s: %s" % (where, problem))
    except yaml.YAMLError as e:
        raise _invalid("Invalid YAML: %s" % e)
    finally:
        loader.dispose()
    return node, data


def _line_map(node, path=(), lines=None):
    """{path of str keys/indexes: 1-based line}; a key's line for a key."""
    if lines is None:
        lines = {}
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = path + (str(key_node.value),)
            lines.setdefault(key_path, key_node.start_mark.line + 1)
            _line_map(value_node, key_path, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, path + (str(i),), lines)
    return lines


def _line(lines, path):
    path = tuple(str(p) for p in path)
    while path not in lines:
        path = path[:-1]
    return lines[path]


def _where(kind, name, error, prefix, lines):
    """'Invalid workflow 'w', task 't', field 'f': msg (line N)'."""
    parts = ["Invalid %s" % kind + (" %r" % name if name is not None else "")]
    rest = error.path
    if kind == "workflow" and len(rest) >= 2 and rest[0] == "tasks":
        parts.append("task %r" % (rest[1],))
        rest = rest[2:]
    field = []
    for p in rest:
        if not isinstance(p, str):
            break
        field.append(p)
    if field:
        parts.append("field %r" % ".".join(field))
    line = _line(lines, prefix + error.path)
    return "%s: %s (line %d)" % (", ".join(parts), error.message, line)


def _as_json(value, path, lines):
    """``value`` as JSON will store it: mapping keys become strings the way
    JSON makes them (1 -> "1"), so a spec is the same before and after it
    is stored; a value JSON cannot hold is refused."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            name = key if isinstance(key, str) else json.dumps(key)
            if name in result:
                raise _invalid("Invalid document: key %r given twice (line "
                               "%d)" % (name, _line(lines, path + (key,))))
            result[name] = _as_json(item, path + (key,), lines)
        return result
    if isinstance(value, list):
        return [_as_json(item, path + (i,), lines)
                for i, item in enumerate(value)]
    if not isinstance(value, _JSON_TYPES):
        raise _invalid("Invalid document: a value of YAML type %r cannot be"
                       " stored as JSON (line %d)"
                       % (type(value).__name__, _line(lines, path)))
    return value


def _check_version(data, lines):
    version = data.get("version")
    try:
        ok = not isinstance(version, bool) and float(version) == 2.0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        what = ("is required" if "version" not in data
                else "unsupported version %r" % (version,))
        raise _invalid("Invalid document, field 'version': %s, expected "
                       "'2.0' (line %d)" % (what, _line(lines, ("version",))))


def _sources(text, node):
    """{name: its YAML text, dedented} for each key of a mapping node."""
    sources = {}
    if not isinstance(node, yaml.MappingNode):
        return sources
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        column = key_node.start_mark.column
        start = key_node.start_mark.index - column
        chunk = text[start:value_node.end_mark.index].splitlines()
        # The value's end may reach over comments that precede the next key.
        while chunk and chunk[-1].strip()[:1] in ("", "#"):
            chunk.pop()
        sources[key_node.value] = "".join(
            (line[column:] if not line[:column].strip() else line) + "\n"
            for line in chunk)
    return sources


def _child(node, key):
    for key_node, value_node in getattr(node, "value", ()):
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node
    return None


def _named(section):
    """Items of a workflows/actions mapping; a 'version' entry is skipped."""
    return [(n, v) for n, v in section.items() if n != "version"]


# The size of the name columns.
MAX_NAME = 255


def _check_name(kind, name, prefix, lines):
    if not isinstance(name, str) or not name.strip() or " " in name:
        raise _invalid("Invalid %s name %r: expected a non-empty string "
                       "without spaces (line %d)"
                       % (kind, name, _line(lines, prefix + (name,))))
    if len(name) > MAX_NAME:
        raise _invalid("Invalid %s name %s...: longer than %d characters "
                       "(line %d)" % (kind, name[:40], MAX_NAME,
                                      _line(lines, prefix + (name,))))


def _workflows(items, prefix, known, text, node, lines):
    workflows = {}
    sources = _sources(text, node)
    for name, data in items:
        _check_name("workflow", name, prefix, lines)
        try:
            wf = builder.build_workflow(name, data, known)
        except schema.SpecError as e:
            raise _invalid(_where("workflow", name, e, prefix + (name,),
                                  lines))
        wf.source = sources.get(name)
        workflows[name] = wf
    return workflows


def _section(data, key, lines):
    """A workbook's 'workflows' or 'actions' mapping, {} when absent."""
    try:
        return schema.mapping(data[key]) if key in data else {}
    except schema.SpecError as e:
        raise _invalid(_where("workbook", data.get("name"), e.within(key),
                              (), lines))


def _workbook(text, node, data, lines, known_action):
    for key in data:
        if key not in _WORKBOOK_KEYS:
            error = schema.SpecError("unknown key %r" % (key,), (key,))
            raise _invalid(_where("workbook", data["name"], error, (), lines))
    checks = (("name", schema.nonempty_string), ("tags", schema.tags),
              ("description", schema.string))
    for key, check in checks:
        try:
            if key in data:
                check(data[key])
        except schema.SpecError as e:
            raise _invalid(_where("workbook", data.get("name"), e.within(key),
                                  (), lines))
    wb_name = data["name"]
    if len(wb_name) > MAX_NAME:
        raise _invalid("Invalid workbook name %s...: longer than %d "
                       "characters" % (wb_name[:40], MAX_NAME))
    actions_data = dict(_named(_section(data, "actions", lines)))
    workflows_data = _named(_section(data, "workflows", lines))

    def known(name):
        local = name[len(wb_name) + 1:] if name.startswith(
            wb_name + ".") else name
        return local in actions_data or known_action(name)

    checked = known if known_action else None
    actions = {}
    for name, action_data in actions_data.items():
        _check_name("action", name, ("actions",), lines)
        try:
            actions[name] = builder.build_action(name, action_data, checked)
        except schema.SpecError as e:
            raise _invalid(_where("action", name, e, ("actions", name),
                                  lines))
    workflows = _workflows(workflows_data, ("workflows",), checked, text,
                           _child(node, "workflows"), lines)
    return models.Document(workflows=workflows, actions=actions,
                           name=wb_name, description=data.get("description"),
                           tags=list(data.get("tags", [])))


def _text(text):
    if isinstance(text, bytes):
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _invalid("Invalid YAML: not UTF-8 text (%s)" % e)
    return text


def parse_actions(text, known_action=None):
    """Parse a standalone ad hoc actions document (``POST /v2/actions``):
    ``version: '2.0'`` and any number of ``name: {ad hoc action}``.

    :returns: ``{name: models.ActionSpec}`` in document order.
    :raises: exceptions.DSLParsingError, saying where.
    """
    text = _text(text)
    try:
        node, data = _load(text)
        if data is None:
            raise _invalid("Invalid document: it is empty")
        lines = _line_map(node)
        if not isinstance(data, dict):
            raise _invalid("Invalid document: expected a mapping with "
                           "'version' and actions (line 1)")
        data = _as_json(data, (), lines)
        _check_version(data, lines)
        items = _named(data)
        if not items:
            raise _invalid("Invalid document: it has no action")
        actions = {}
        for name, action_data in items:
            _check_name("action", name, (), lines)
            try:
                actions[name] = builder.build_action(name, action_data,
                                                     known_action)
            except schema.SpecError as e:
                raise _invalid(_where("action", name, e, (name,), lines))
        return actions
    except RecursionError:
        raise _invalid("Invalid document: nested too deeply")


def parse_document(text, known_action=None):
    """Parse and validate a workflow language v2 document.

    :param text: YAML text (str or UTF-8 bytes).
    :param known_action: optional callable(name) -> bool; a task whose
        action is a static name that it refuses is an error. Expressions
        and the workbook's own actions are not asked about.
    :returns: ``models.Document``.
    :raises: exceptions.DSLParsingError, saying where.
    """
    text = _text(text)
    try:
        node, data = _load(text)
        if data is None:
            raise _invalid("Invalid document: it is empty")
        lines = _line_map(node)
        if not isinstance(data, dict):
            raise _invalid("Invalid document: expected a mapping with "
                           "'version' and workflows (line 1)")
        data = _as_json(data, (), lines)
        _check_version(data, lines)
        if "name" in data and not isinstance(data["name"], dict):
            return _workbook(text, node, data, lines, known_action)
        items = _named(data)
        if not items:
            raise _invalid("Invalid document: it has no workflow")
        return models.Document(workflows=_workflows(
            items, (), known_action, text, node, lines))
    except RecursionError:
        raise _invalid("Invalid document: nested too deeply")
