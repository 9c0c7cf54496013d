/* The task graph as inline SVG, from the layout /console/graph gives:
   nodes coloured by the state of their latest task execution, edges by
   clause (on-success, on-error, on-complete, on-skip), joins marked. */
"use strict";
(function (MR) {
  var NS = "http://www.w3.org/2000/svg";
  var CLAUSES = ["on-success", "on-error", "on-complete", "on-skip",
                 "requires"];

  function s(tag, attrs) {
    var el = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined) {
        el.setAttribute(k, attrs[k]);
      }
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c) el.appendChild(typeof c === "string"
                            ? document.createTextNode(c) : c);
    }
    return el;
  }

  function cls(text) { return text.toLowerCase().replace(/[^a-z]+/g, "-"); }

  function markers() {
    var defs = s("defs");
    CLAUSES.forEach(function (clause) {
      defs.appendChild(s("marker", {
        id: "arrow-" + clause, viewBox: "0 0 10 10", refX: "9", refY: "5",
        markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse",
        class: "arrow edge-" + clause},
        s("path", {d: "M 0 0 L 10 5 L 0 10 z"})));
    });
    return defs;
  }

  function edgePath(a, b, g, back) {
    var x1 = a.x + g.node_width, y1 = a.y + g.node_height / 2;
    var x2 = b.x, y2 = b.y + g.node_height / 2;
    if (back || x2 <= x1) {
      /* A loop or an edge to the left: around, under the nodes. */
      var low = Math.max(a.y, b.y) + g.node_height + 14;
      x1 = a.x + g.node_width / 2;
      x2 = b.x + g.node_width / 2;
      return "M " + x1 + " " + (a.y + g.node_height) + " C " + x1 + " " +
        low + " " + x2 + " " + low + " " + x2 + " " + (b.y + g.node_height);
    }
    var mid = (x1 + x2) / 2;
    return "M " + x1 + " " + y1 + " C " + mid + " " + y1 + " " + mid +
      " " + y2 + " " + (x2 - 2) + " " + y2;
  }

  function label(node, task) {
    var parts = [];
    if (node.with_items) {
      parts.push(task && task.items !== undefined
                 ? task.items + " items" : "with-items");
    }
    if (node.join !== null && node.join !== undefined) {
      parts.push("join: " + node.join);
    }
    if (node.workflow) parts.push("sub-workflow");
    return parts.join(" \u00b7 ");
  }

  function shorten(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "\u2026" : text;
  }

  function drawNode(node, g, task, onPick) {
    var state = task ? task.state : "NOT RUN";
    var group = s("g", {
      class: "node state-" + cls(state) + (node.join !== null &&
        node.join !== undefined ? " join" : ""),
      transform: "translate(" + node.x + "," + node.y + ")",
      tabindex: "0", role: "button", "data-task": node.name,
      "aria-label": "Task " + node.name + ", " + state +
        (label(node, task) ? ", " + label(node, task) : "")},
      s("title", {}, node.name + " (" + state + ")" +
        (node.action ? "\naction: " + node.action : "") +
        (node.workflow ? "\nworkflow: " + node.workflow : "")),
      s("rect", {width: g.node_width, height: g.node_height, rx: "8"}),
      s("rect", {class: "node-band", width: "6", height: g.node_height,
                 rx: "3"}),
      s("text", {x: "16", y: "21", class: "node-name"},
        shorten(node.name, 20)),
      s("text", {x: "16", y: "39", class: "node-meta"},
        shorten(state + (label(node, task) ? " \u00b7 " +
                         label(node, task) : ""), 26)));
    if (node.join !== null && node.join !== undefined) {
      group.appendChild(s("circle", {class: "join-dot", cx: "0",
                                     cy: g.node_height / 2, r: "5"}));
    }
    function pick(event) {
      if (event.type === "keydown" && event.key !== "Enter" &&
          event.key !== " ") return;
      event.preventDefault();
      onPick(node.name);
    }
    group.addEventListener("click", pick);
    group.addEventListener("keydown", pick);
    return group;
  }

  function legend() {
    var items = [["on-success", "on-success"], ["on-error", "on-error"],
                 ["on-complete", "on-complete"], ["on-skip", "on-skip"]];
    return MR.h("ul", {class: "legend", "aria-label": "Edge colours"},
      items.map(function (it) {
        return MR.h("li", {}, MR.h("span", {class: "swatch edge-" + it[0],
                                            "aria-hidden": "true"}), it[1]);
      }),
      MR.h("li", {}, MR.h("span", {class: "swatch join-swatch",
                                   "aria-hidden": "true"}), "join"));
  }

  /* ``tasks``: {name: {state, items}} of the latest task executions. */
  MR.drawGraph = function (g, tasks, onPick) {
    var byName = {};
    g.nodes.forEach(function (n) { byName[n.name] = n; });
    var svg = s("svg", {class: "graph", width: g.width, height: g.height,
                        viewBox: "0 0 " + g.width + " " + g.height,
                        role: "group",
                        "aria-label": "Task graph of " + g.workflow});
    svg.appendChild(markers());
    g.edges.forEach(function (e) {
      var a = byName[e.source], b = byName[e.target];
      svg.appendChild(s("path", {
        class: "edge edge-" + e.clause + (e.back ? " back" : ""),
        d: edgePath(a, b, g, e.back),
        "marker-end": "url(#arrow-" + e.clause + ")"},
        s("title", {}, e.source + " \u2192 " + e.target + " (" + e.clause +
          (e.condition ? ": " + e.condition : "") + ")")));
    });
    g.nodes.forEach(function (n) {
      svg.appendChild(drawNode(n, g, tasks[n.name], onPick));
    });
    return MR.h("div", {class: "graph-box"},
      MR.h("div", {class: "graph-scroll"}, svg), legend());
  };
})(window.MR);
