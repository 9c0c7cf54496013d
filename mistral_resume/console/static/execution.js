/* One execution: header and state actions, the task graph, the tasks
   (with-items expanded to items, sub-executions linked), comments. */
"use strict";
(function (MR) {
  var REFRESH_MS = 2000;
  var ACTIVE = ["RUNNING", "IDLE"];
  /* Which execution-level buttons each state offers. */
  var STATE_BUTTONS = {
    RUNNING: ["pause", "cancel"], IDLE: ["pause", "cancel"],
    PAUSED: ["resume", "cancel"]
  };
  var BUTTON_LABELS = {pause: "Pause", resume: "Resume", cancel: "Cancel"};

  function itemsOf(task) {
    var ctx = MR.parse(task.runtime_context) || {};
    return ctx.with_items ? ctx.with_items.count : undefined;
  }

  /* Everything the page shows, in one go. */
  function fetchAll(id) {
    return MR.api.get("/executions/" + id).then(function (ex) {
      return Promise.all([
        MR.api.listAll("/executions/" + id + "/tasks", "tasks"),
        MR.api.get("/workflows/" + ex.workflow_id).then(function (wf) {
          return MR.api.graph(wf.definition, ex.workflow_name);
        }).catch(function (error) { return {error: error}; }),
        ex.task_execution_id ? MR.api.get("/tasks/" + ex.task_execution_id)
          .catch(function () { return null; }) : null
      ]).then(function (all) {
        var tasks = all[0];
        tasks.forEach(function (t) { t.items = itemsOf(t); });
        return Promise.all(tasks.map(function (t) {
          var want = t.type === "WORKFLOW"
            ? MR.api.get("/executions", {task_execution_id: t.id,
                                         fields: "id,workflow_name,state"})
                .then(function (d) { t.subs = d.executions || []; })
            : MR.api.listAll("/tasks/" + t.id + "/action_executions",
                             "action_executions", {include_output: "true"})
                .then(function (a) { t.actions = a; });
          return want.catch(function () { t.actions = t.actions || []; });
        })).then(function () {
          return {ex: ex, tasks: tasks, graph: all[1], parent: all[2]};
        });
      });
    });
  }

  function latestByName(tasks) {
    var latest = {};
    tasks.forEach(function (t) {
      var seen = latest[t.name];
      if (!seen || (t.created_at || "") >= (seen.created_at || "")) {
        latest[t.name] = t;
      }
    });
    return latest;
  }

  function header(data, onAction) {
    var ex = data.ex;
    var card = MR.card(ex.workflow_name, "execution");
    var links = [];
    if (data.parent) {
      links.push(MR.h("a", {href: "#/executions/" +
        data.parent.workflow_execution_id, id: "parent-link"},
        "\u2191 Parent execution (task " + data.parent.name + ")"));
    }
    card.body.appendChild(MR.h("dl", {class: "facts"},
      MR.h("dt", {}, "Execution"), MR.h("dd", {class: "mono"}, ex.id),
      MR.h("dt", {}, "State"), MR.h("dd", {id: "ex-state"},
                                    MR.badge(ex.state)),
      MR.h("dt", {}, "Created"), MR.h("dd", {}, ex.created_at),
      MR.h("dt", {}, "Updated"), MR.h("dd", {}, ex.updated_at || "")));
    if (ex.state_info) {
      card.body.appendChild(MR.h("pre", {class: "state-info",
                                         id: "ex-state-info"},
                                 ex.state_info));
    }
    card.body.appendChild(MR.h("div", {class: "buttons"},
      (STATE_BUTTONS[ex.state] || []).map(function (kind) {
        return MR.h("button", {type: "button", id: "ex-" + kind,
                               class: "btn" + (kind === "cancel"
                                               ? " btn-danger" : ""),
                               onclick: function () { onAction(kind); }},
                    BUTTON_LABELS[kind] + "\u2026");
      }), links));
    return card;
  }

  function itemsTable(task) {
    var rows = (task.actions || []).slice().sort(function (a, b) {
      return (a.item_index - b.item_index) || (a.attempt - b.attempt);
    }).map(function (a) {
      var result = a.state === "ERROR" ? a.state_info
        : JSON.stringify(MR.parse(a.output));
      return MR.h("tr", {class: a.accepted === false ? "superseded" : null,
                         "data-item": a.item_index},
        MR.h("td", {}, a.item_index === null ? "" : String(a.item_index)),
        MR.h("td", {}, MR.badge(a.state)),
        MR.h("td", {}, String(a.attempt || 1) +
             (a.accepted === false ? " (superseded)" : "")),
        MR.h("td", {}, MR.h("code", {}, JSON.stringify(MR.parse(a.input)))),
        MR.h("td", {class: a.state === "ERROR" ? "error-text" : null},
             MR.firstLine(result, 160)));
    });
    return MR.table(["Item", "State", "Attempt", "Input",
                     "Result / error"], rows, "grid items");
  }

  function details(task) {
    var box = MR.h("div", {class: "task-details"});
    if (task.state_info) {
      box.appendChild(MR.h("h4", {}, "Error"));
      box.appendChild(MR.h("pre", {class: "state-info"}, task.state_info));
    }
    if (task.items !== undefined) {
      box.appendChild(MR.h("h4", {}, "Items (" + task.items + ")"));
      box.appendChild(itemsTable(task));
    } else if (task.actions && task.actions.length) {
      var last = task.actions[task.actions.length - 1];
      box.appendChild(MR.h("h4", {}, "Input"));
      box.appendChild(MR.jsonBlock(MR.parse(last.input)));
      box.appendChild(MR.h("h4", {}, "Result"));
      box.appendChild(last.state === "ERROR"
        ? MR.h("pre", {class: "state-info"}, last.state_info)
        : MR.jsonBlock(MR.parse(last.output)));
    }
    (task.subs || []).forEach(function (sub) {
      box.appendChild(MR.h("p", {}, "Sub-execution: ",
        MR.h("a", {href: "#/executions/" + sub.id, class: "sub-link"},
             sub.workflow_name + " " + MR.shortId(sub.id)), " ",
        MR.badge(sub.state)));
    });
    var published = MR.parse(task.published);
    if (published && Object.keys(published).length) {
      box.appendChild(MR.h("h4", {}, "Published"));
      box.appendChild(MR.jsonBlock(published));
    }
    return box;
  }

  function taskRows(tasks, open, onAction, toggle) {
    var rows = [];
    tasks.forEach(function (t) {
      var isOpen = !!open[t.id];
      var detailsId = "details-" + t.id;
      var kind = t.type === "WORKFLOW" ? "sub-workflow"
        : (t.items !== undefined ? "with-items \u00d7" + t.items : "action");
      var buttons = [MR.h("button", {
        type: "button", class: "btn btn-small", "aria-expanded":
          isOpen ? "true" : "false", "aria-controls": detailsId,
        "data-toggle": t.name, id: "toggle-" + t.id,
        onclick: function () { toggle(t.id); }}, isOpen ? "Hide" : "Details")];
      if (t.state === "ERROR") {
        buttons.push(MR.h("button", {type: "button", class: "btn btn-small",
          "data-rerun": t.name, id: "rerun-" + t.id, onclick: function () {
            onAction("rerun", t);
          }}, "Re-run\u2026"));
        buttons.push(MR.h("button", {type: "button", class: "btn btn-small",
          "data-skip": t.name, id: "skip-" + t.id, onclick: function () {
            onAction("skip", t);
          }}, "Skip\u2026"));
      }
      rows.push(MR.h("tr", {id: "task-" + t.name, "data-task": t.name,
                            "data-task-id": t.id},
        MR.h("th", {scope: "row"}, t.name),
        MR.h("td", {}, MR.badge(t.state)),
        MR.h("td", {class: "col-opt"}, kind),
        MR.h("td", {class: "info error-text"}, MR.firstLine(t.state_info,
                                                            100)),
        MR.h("td", {class: "col-opt nowrap"}, t.updated_at || ""),
        MR.h("td", {class: "nowrap"}, buttons)));
      rows.push(MR.h("tr", {id: detailsId, class: "details-row" +
                            (isOpen ? "" : " hidden")},
        MR.h("td", {colspan: "6"}, isOpen ? details(t) : null)));
    });
    return rows;
  }

  function commentsCard(ex) {
    var comments = MR.parse(ex.comments) || [];
    var card = MR.card("Comments", "comments");
    if (!comments.length) {
      card.body.appendChild(MR.h("p", {class: "empty"},
                                 "No resume recorded yet."));
      return card;
    }
    card.body.appendChild(MR.h("ol", {class: "comments"},
      comments.map(function (c) {
        return MR.h("li", {},
          MR.h("div", {class: "comment-head"},
            MR.h("span", {class: "op"}, c.operation || ""),
            MR.h("span", {class: "who"}, [c.user, c.project].filter(
              Boolean).join(" / ")),
            MR.h("time", {}, c.created_at || "")),
          MR.h("p", {class: "comment-text"}, c.text || ""));
      })));
    return card;
  }

  function dataCard(ex) {
    var card = MR.card("Input and output", "data");
    card.body.appendChild(MR.h("h4", {}, "Input"));
    card.body.appendChild(MR.jsonBlock(MR.parse(ex.input) || {}));
    card.body.appendChild(MR.h("h4", {}, "Output"));
    card.body.appendChild(MR.jsonBlock(MR.parse(ex.output)));
    return card;
  }

  MR.executionView = function (main, id) {
    var view = {timer: null, stopped: false};
    var open = {};
    var panel = MR.h("section", {class: "card action-panel hidden",
                                 id: "action-panel",
                                 "aria-label": "Action"});
    /* The panel stays in the page across refreshes: what the operator
       is typing there is never redrawn. */
    var top = MR.h("div", {});
    var content = MR.h("div", {});
    var data = null;

    function onAction(kind, task) {
      MR.openAction(panel, kind, data.ex, task,
                    task ? task.actions || [] : [], load);
    }

    function toggle(taskId) {
      open[taskId] = !open[taskId];
      render();
      var btn = content.querySelector("[aria-controls='details-" + taskId +
                                      "']");
      if (btn) btn.focus();
    }

    function pick(name) {
      var row = document.getElementById("task-" + name);
      var task = data.tasks.filter(function (t) { return t.name === name; });
      if (task.length) {
        open[task[task.length - 1].id] = true;
        render();
        row = document.getElementById("task-" + name);
      }
      if (row) {
        row.scrollIntoView({block: "center"});
        var b = row.querySelector("button");
        if (b) b.focus();
      }
    }

    function render() {
      var focusedId = document.activeElement && document.activeElement.id;
      MR.clear(top).appendChild(header(data, onAction));
      var nodes = [];
      var graphCard = MR.card("Task graph", "graph");
      if (data.graph.error) {
        graphCard.body.appendChild(MR.errorBox(data.graph.error));
      } else {
        var latest = latestByName(data.tasks);
        graphCard.body.appendChild(MR.drawGraph(data.graph, latest, pick));
      }
      nodes.push(graphCard);
      var tasksCard = MR.card("Tasks", "tasks");
      tasksCard.body.appendChild(MR.table(
        ["Task", "State", "~Kind", "Error", "~Updated", "Actions"],
        taskRows(data.tasks, open, onAction, toggle), "grid tasks"));
      nodes.push(tasksCard, commentsCard(data.ex), dataCard(data.ex));
      MR.clear(content);
      nodes.forEach(function (n) { content.appendChild(n); });
      if (focusedId && document.activeElement === document.body) {
        var again = document.getElementById(focusedId);
        if (again) again.focus();
      }
    }

    function load() {
      window.clearTimeout(view.timer);
      return fetchAll(id).then(function (d) {
        if (view.stopped) return;
        data = d;
        render();
        if (ACTIVE.indexOf(d.ex.state) >= 0) {
          view.timer = window.setTimeout(load, REFRESH_MS);
        }
      }, function (error) {
        if (view.stopped) return;
        MR.clear(top).appendChild(MR.errorBox(error));
      });
    }

    MR.clear(main).appendChild(MR.h("nav", {class: "crumbs",
                                            "aria-label": "Breadcrumb"},
      MR.h("a", {href: "#/"}, "Executions"), " / ",
      MR.h("span", {class: "mono"}, MR.shortId(id))));
    main.appendChild(top);
    main.appendChild(panel);
    main.appendChild(content);
    load();
    return {stop: function () {
      view.stopped = true;
      window.clearTimeout(view.timer);
    }};
  };
})(window.MR);
