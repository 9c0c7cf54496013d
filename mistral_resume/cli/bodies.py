"""What the commands send, built from their flags: pure functions.

The resume request R (DESIGN.md section 3) is the server's to
validate: a value that is not JSON travels as the text given, so that the
API's own message says what is wrong with it (``'input' is not valid
JSON``), and so does a flag the chosen mode does not take (``--output``
without ``--skip``). What only the CLI can get wrong (a file it cannot
read, an ``--item-input`` it cannot place) raises :class:`UsageError`.
"""
import json

ITEMS_ALL = "all"
ITEMS_FAILED = "failed"


class UsageError(Exception):
    """Flags the CLI cannot turn into a request."""


def read_text(value, stdin=None):
    """``@FILE`` (``@-``: standard input) -> its text; other text as is."""
    if not value.startswith("@"):
        return value
    name = value[1:]
    if name == "-":
        if stdin is None:
            raise UsageError("no standard input to read '@-' from")
        return stdin.read()
    try:
        with open(name, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise UsageError("cannot read %s: %s" % (name, e.strerror or e))


def json_arg(value, stdin=None):
    """``JSON`` or ``@FILE`` -> the JSON value; text that is not JSON as a
    string (a plain ``--output done``; for ``--input`` the API says why it
    refuses it)."""
    text = read_text(value, stdin)
    try:
        return json.loads(text)
    except ValueError:
        return text


def json_document(value, what, stdin=None):
    """Strict JSON: ``--resume-json`` has no plain-text meaning.

    :raises: UsageError naming the flag.
    """
    text = read_text(value, stdin)
    try:
        return json.loads(text)
    except ValueError as e:
        raise UsageError("%s is not valid JSON: %s" % (what, e))


def _index(text):
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        return text  # the API says "Item index must be ..."


def item_indices(value):
    """``--items``: ``1,3``, ``0-4,7``, or the words ``all`` / ``failed``.

    Ranges are inclusive and expanded here; anything that is not a number
    goes as given, for the API to refuse.
    """
    value = value.strip()
    if value in (ITEMS_ALL, ITEMS_FAILED):
        return value
    indices = []
    for part in value.split(","):
        first, dash, last = part.strip().partition("-")
        if dash and first.strip().isdigit() and last.strip().isdigit():
            indices.extend(range(int(first), int(last) + 1))
        elif part.strip():
            indices.append(_index(part))
    if not indices:
        raise UsageError("--items needs indices such as 1,3 or 0-4")
    return indices


def item_input(value, stdin=None):
    """``--item-input INDEX=JSON|@FILE`` -> ``(index, input)``."""
    index, eq, given = value.partition("=")
    if not eq or not index.strip().isdigit():
        raise UsageError("--item-input takes INDEX=JSON or INDEX=@FILE, "
                         "got %r" % value)
    return int(index), json_arg(given, stdin)


def items(indices=None, all_items=False, item_inputs=()):
    """The ``items`` of R, or None to leave the server's default
    (``"failed"``: failed and never-started items).

    :param indices: what :func:`item_indices` gave, or None.
    :param item_inputs: ``(index, input)`` pairs.
    """
    inputs = {}
    for index, value in item_inputs:
        if index in inputs:
            raise UsageError("--item-input gives item %d twice" % index)
        inputs[index] = value
    if all_items:
        indices = ITEMS_ALL
    if isinstance(indices, str):
        if inputs:
            raise UsageError(
                "--item-input goes with --items INDICES (or alone, to re-run "
                "just those items), not with %s items" % indices)
        return indices
    if indices is None:
        if not inputs:
            return None
        indices = list(inputs)
    missing = sorted(set(inputs) - set(indices))
    if missing:
        raise UsageError("--item-input for item(s) %s not in --items"
                         % ", ".join(str(i) for i in missing))
    return [{"index": i, "input": inputs[i]} if i in inputs else i
            for i in indices]


_UNSET = object()


def task_resume(task, skip=False, task_input=None, item_list=None,
                output=_UNSET, env=None):
    """One R: ``{"task", "mode", "input", "items", "output", "env"}``,
    with only the keys given (the server's defaults apply to the rest)."""
    r = {"task": task, "mode": "skip" if skip else "rerun"}
    if task_input is not None:
        r["input"] = task_input
    if item_list is not None:
        r["items"] = item_list
    if output is not _UNSET:
        r["output"] = output
    if env is not None:
        r["env"] = env
    return r


def execution_resume(resume, comment=None, dry_run=False):
    """The body of ``PUT /v2/executions/{id}`` for R or a list of R."""
    body = {"state": "RUNNING", "resume": resume}
    if comment is not None:
        body["comment"] = comment
    if dry_run:
        body["dry_run"] = True
    return body
