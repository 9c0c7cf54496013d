"""A workflow's task graph, laid out in layers for the console to draw.

Pure: definition text in, ``{"nodes", "edges", "width", "height"}`` out.
A direct workflow flows left to right along its on-* transitions (a task
sits one layer right of its furthest predecessor; edges that close a loop
are drawn back, not followed); a reverse workflow along ``requires``.
"""
from mistral_resume.spec import models
from mistral_resume.spec import parser

NODE_WIDTH = 168
NODE_HEIGHT = 52
GAP_X = 64
GAP_Y = 28
MARGIN = 16

# Clause attribute -> the name the page shows (and styles edges by).
CLAUSE_NAMES = {"on_success": "on-success", "on_error": "on-error",
                "on_skip": "on-skip", "on_complete": "on-complete"}


def pick_workflow(document, name):
    """The workflow named ``name`` in a parsed document.

    A workbook's workflows are stored as ``<workbook>.<name>``; a document
    with one workflow needs no name.

    :raises: LookupError naming the workflows the document has.
    """
    workflows = document.workflows
    short = name.split(".", 1)[1] if name and "." in name else None
    for candidate in (name, short):
        if candidate and candidate in workflows:
            return workflows[candidate]
    if not name and len(workflows) == 1:
        return next(iter(workflows.values()))
    raise LookupError("The document has no workflow %r; it has: %s" % (
        name, ", ".join(sorted(workflows)) or "none"))


def _edges(wf):
    edges = []
    for source, task in wf.tasks.items():
        if wf.type == models.REVERSE:
            edges.extend({"source": req, "target": source,
                          "clause": "requires"}
                         for req in task.requires if req in wf.tasks)
            continue
        for clause, transition in task.transitions():
            if transition.target in wf.tasks:
                edges.append({"source": source,
                              "target": transition.target,
                              "clause": CLAUSE_NAMES[clause],
                              "condition": transition.condition})
    return edges


def _back_edges(names, edges):
    """Edges that close a cycle, found by depth-first search in task
    order; without them the graph is acyclic."""
    out = {n: [] for n in names}
    has_inbound = set()
    for i, edge in enumerate(edges):
        out[edge["source"]].append((edge["target"], i))
        has_inbound.add(edge["target"])
    state, back = {}, set()
    roots = [n for n in names if n not in has_inbound] + list(names)
    for root in roots:
        if root in state:
            continue
        state[root] = "open"
        stack = [(root, iter(out[root]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = "done"
                stack.pop()
                continue
            target, index = child
            if state.get(target) == "open":
                back.add(index)
            elif target not in state:
                state[target] = "open"
                stack.append((target, iter(out[target])))
    return back


def _layers(names, edges, back):
    """Longest path from a start task, over forward edges only."""
    preds = {n: [] for n in names}
    for i, edge in enumerate(edges):
        if i not in back:
            preds[edge["target"]].append(edge["source"])
    layer = {}

    def depth(name):
        # Iterative: a long chain must not hit Python's recursion limit.
        pending = [name]
        while pending:
            current = pending[-1]
            missing = [p for p in preds[current] if p not in layer]
            if missing:
                pending.extend(missing)
                continue
            pending.pop()
            layer[current] = 1 + max(
                (layer[p] for p in preds[current]), default=-1)
        return layer[name]

    for name in names:
        depth(name)
    return layer, preds


def _order(names, layer, preds):
    """Rows within each layer: by the mean row of the predecessors, then
    document order, so edges cross less."""
    columns = {}
    row = {}
    for depth in sorted(set(layer.values())):
        members = [n for n in names if layer[n] == depth]

        def key(name):
            rows = [row[p] for p in preds[name] if p in row]
            return (sum(rows) / len(rows) if rows else -1,
                    names.index(name))

        members.sort(key=key)
        for i, name in enumerate(members):
            row[name] = i
        columns[depth] = members
    return columns, row


def _node(name, task, depth, row):
    return {
        "name": name,
        "layer": depth,
        "row": row,
        "x": MARGIN + depth * (NODE_WIDTH + GAP_X),
        "y": MARGIN + row * (NODE_HEIGHT + GAP_Y),
        "type": task.task_type,
        "action": task.action,
        "workflow": task.workflow,
        "join": task.join,
        "with_items": bool(task.with_items),
    }


def layout(wf):
    """Nodes with positions and typed edges of a ``models.WorkflowSpec``."""
    names = list(wf.tasks)
    edges = _edges(wf)
    back = _back_edges(names, edges)
    for i, edge in enumerate(edges):
        edge["back"] = i in back
    layer, preds = _layers(names, edges, back)
    columns, row = _order(names, layer, preds)
    nodes = [_node(n, wf.tasks[n], layer[n], row[n]) for n in names]
    depth = max(columns, default=-1) + 1
    tallest = max((len(m) for m in columns.values()), default=0)
    return {
        "workflow": wf.name,
        "type": wf.type,
        "nodes": nodes,
        "edges": edges,
        "width": 2 * MARGIN + max(depth * (NODE_WIDTH + GAP_X) - GAP_X, 0),
        "height": 2 * MARGIN + max(tallest * (NODE_HEIGHT + GAP_Y) - GAP_Y,
                                   0),
        "node_width": NODE_WIDTH,
        "node_height": NODE_HEIGHT,
    }


def graph_of(definition, workflow_name=None):
    """Parse ``definition`` (YAML text) and lay out one of its workflows.

    :raises: exceptions.DSLParsingError for a document that does not
        parse; LookupError for a workflow it does not have.
    """
    return layout(pick_workflow(parser.parse_document(definition),
                                workflow_name))
