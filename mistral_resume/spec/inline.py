"""Mistral's inline syntax: parameters written after a name on one line.

``action: std.http url="http://x" method=GET``, ``retry: count=3 delay=1``,
``on-error: [fail msg=<% $.err %>]``, ``fail(msg="x")``. Each ``name=value``
is separated by white space; a value is

- quoted (``"..."`` or ``'...'``): the text inside, as is;
- an expression (``<% %>``, ``{{ }}``, ``{% %}``): the text, as is;
- ``[...]`` or ``{...}``: read as JSON, kept as text if JSON cannot read it
  (Mistral does so for ``['a']``);
- anything else up to white space (expressions inside included): a JSON
  number, ``true``, ``false`` or ``null``, else the text.

Mistral reads the same forms but silently drops what it cannot match
(``url=http://x``, text after the last parameter, ``2.5`` read as ``2``);
here an unreadable parameter is an error, and bare words are text. Errors
are ``ValueError`` with a message for the user.
"""

import json
import re

_OPENERS = {"<%": "%>", "{{": "}}", "{%": "%}"}
_PARAM_NAME = re.compile(r"([-\w]+)=")
_CALL_NAME = re.compile(r"[^\s=(\"'<{]+")
_TARGET_CALL = re.compile(r"([\w-]+)\((.*)\)\Z", re.S)
_TARGET_PLAIN = re.compile(r"([\w-]+)(?:\s+(.*))?\Z", re.S)


def _not_json(name):
    raise ValueError(name)  # NaN, Infinity: JSON has no such numbers


def _expression_end(text, i):
    close = _OPENERS[text[i:i + 2]]
    end = text.find(close, i + 2)
    if end < 0:
        raise ValueError("unclosed expression in %r" % text)
    return end + 2


def _starts_expression(text, i):
    return text[i:i + 2] in _OPENERS


def _bracket_end(text, i):
    """End of the JSON-like [...] or {...} at i, quotes respected."""
    depth, quote = 0, None
    for j in range(i, len(text)):
        c = text[j]
        if quote:
            quote = None if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return j + 1
    raise ValueError("unclosed %r in %r" % (text[i], text))


def _token_end(text, i):
    while i < len(text) and not text[i].isspace():
        i = _expression_end(text, i) if _starts_expression(text, i) else i + 1
    return i


def _scan_value(text, i):
    """Value at i -> (value, end). Quoted and expression values stay text;
    [...]/{...} and bare numbers, true, false, null are read as JSON."""
    c = text[i]
    if c in "\"'":
        end = text.find(c, i + 1)
        if end < 0:
            raise ValueError("unclosed quote in %r" % text)
        return text[i + 1:end], end + 1
    if c in "[{" and not _starts_expression(text, i):
        end = _bracket_end(text, i)
        raw = text[i:end]
        try:
            return json.loads(raw), end
        except ValueError:
            # Mistral keeps what JSON cannot read as text, e.g. ['a'].
            return raw, end
    end = _token_end(text, i)
    raw = text[i:end]
    if not _starts_expression(text, i):
        try:
            value = json.loads(raw, parse_constant=_not_json)
        except ValueError:
            value = raw
        if value is None or isinstance(value, (bool, int, float)):
            return value, end
    return raw, end


def parse_params(text):
    """'a=1 b="x y" c=<% $.c %>' -> {'a': 1, 'b': 'x y', 'c': '<% $.c %>'}."""
    params, i, n = {}, 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return params
        match = _PARAM_NAME.match(text, i)
        if not match:
            raise ValueError("expected name=value at %r" % text[i:])
        name, i = match.group(1), match.end()
        if i >= n or text[i].isspace():
            raise ValueError("missing value for %r" % name)
        value, i = _scan_value(text, i)
        if i < n and not text[i].isspace():
            raise ValueError("unexpected %r after the value of %r"
                            % (text[i:], name))
        if name in params:
            raise ValueError("parameter %r given twice" % name)
        params[name] = value


def parse_call(text):
    """'std.http url=x' -> ('std.http', {'url': 'x'}); the name may be an
    expression ('<% $.action %> a=1')."""
    text = text.strip()
    if _starts_expression(text, 0):
        end = _expression_end(text, 0)
    else:
        match = _CALL_NAME.match(text)
        end = match.end() if match else 0
    if not end or (end < len(text) and not text[end].isspace()):
        raise ValueError("invalid name in %r" % text)
    return text[:end], parse_params(text[end:])


def parse_target(text):
    """'t2', 'fail msg="x"' or 'fail(msg="x")' -> (name, params)."""
    text = text.strip()
    match = _TARGET_CALL.match(text) or _TARGET_PLAIN.match(text)
    if not match:
        raise ValueError("invalid transition %r" % text)
    return match.group(1), parse_params(match.group(2) or "")
