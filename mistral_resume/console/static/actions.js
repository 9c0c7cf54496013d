/* The action panel: build a resume request (re-run, items, skip), show
   the API's dry-run plan, ask for a comment, then apply it. Pause,
   resume and cancel of the execution go through the same panel. */
"use strict";
(function (MR) {
  var TITLES = {rerun: "Re-run task", skip: "Skip task",
                pause: "Pause execution", resume: "Resume execution",
                cancel: "Cancel execution"};
  /* What PUT /v2/executions/ID takes for the execution's own states:
     the API has no dry run for these, so the plan is the transition. */
  var STATE_ACTIONS = {pause: "PAUSED", resume: "RUNNING",
                       cancel: "CANCELLED"};

  function radios(name, legend, options, current, onchange) {
    return MR.h("fieldset", {class: "choices"}, MR.h("legend", {}, legend),
      options.map(function (o) {
        var id = name + "-" + o[0];
        return MR.h("div", {class: "choice"},
          MR.h("input", {type: "radio", name: name, id: id, value: o[0],
                         checked: o[0] === current, onchange: onchange}),
          MR.h("label", {for: id}, o[1]));
      }));
  }

  function checked(form, name) {
    var el = form.querySelector("input[name=" + name + "]:checked");
    return el ? el.value : null;
  }

  /* Latest accepted action execution of each item. */
  function latestItems(actions) {
    var latest = {};
    actions.forEach(function (a) {
      if (a.accepted !== false) latest[a.item_index] = a;
    });
    return latest;
  }

  /* An item's input editor shows only while the item is picked. */
  function toggleEditor(box, editor) {
    return function () { editor.el.classList.toggle("hidden", !box.checked); };
  }

  function itemPicker(task, actions) {
    var latest = latestItems(actions);
    var pickers = [];
    var count = task.items || 0;
    var list = MR.h("ul", {class: "item-picks"});
    for (var i = 0; i < count; i++) {
      var a = latest[i];
      var state = a ? a.state : "NOT STARTED";
      var box = MR.h("input", {type: "checkbox", id: "pick-" + i,
                               value: String(i), "data-index": String(i)});
      var editor = new MR.JsonEditor("Input for item " + i,
        a ? MR.parse(a.input) : {}, "object",
        "Keys given here replace the item's input keys.");
      editor.textarea.rows = 3;
      editor.el.classList.add("hidden");
      box.addEventListener("change", toggleEditor(box, editor));
      pickers.push({index: i, box: box, editor: editor});
      list.appendChild(MR.h("li", {class: "item-pick"},
        MR.h("div", {class: "choice"}, box,
          MR.h("label", {for: "pick-" + i}, "Item " + i + " ",
               MR.badge(state), " ",
               MR.h("span", {class: "info"}, a && a.state === "ERROR"
                    ? MR.firstLine(a.state_info, 80) : ""))),
        editor.el));
    }
    return {el: list, pickers: pickers};
  }

  /* The resume entry R the form describes, or null when a field is
     invalid (marked on the page; nothing is sent). */
  function buildResume(kind, task, form, parts) {
    var r = {task: task.name, mode: kind};
    var invalid = [];
    function use(editor) {
      if (!editor.check()) invalid.push(editor);
      return editor.value;
    }
    if (kind === "skip") {
      if (parts.withOutput.checked) r.output = use(parts.output);
    } else {
      if (checked(form, "input-mode") === "edited") {
        r.input = use(parts.input);
      }
      var items = checked(form, "items-mode");
      if (items === "all") r.items = "all";
      if (items === "picked") {
        r.items = parts.picker.pickers.filter(function (p) {
          return p.box.checked;
        }).map(function (p) {
          if (!p.editor.changed()) return p.index;
          return {index: p.index, input: use(p.editor)};
        });
        if (!r.items.length) {
          return {error: "Pick at least one item to re-run."};
        }
      }
    }
    if (invalid.length) {
      invalid[0].focus();
      return {error: "Fix the highlighted JSON; nothing was sent."};
    }
    return {resume: r};
  }

  function planTable(answer) {
    var rows = [];
    (answer.plan || []).forEach(function (p) {
      var successors = (p.successors || []).join(", ");
      if (p.mode === "skip") {
        rows.push(MR.h("tr", {}, MR.h("td", {}, p.task),
          MR.h("td", {}, "skip"), MR.h("td", {}, ""),
          MR.h("td", {}, p.injects_noop_task ? "noop task injected"
                                             : "publish-on-skip"),
          MR.h("td", {}, p.output === undefined ? ""
                                                : MR.jsonBlock(p.output)),
          MR.h("td", {}, successors)));
        return;
      }
      (p.actions || []).forEach(function (a) {
        rows.push(MR.h("tr", {}, MR.h("td", {}, p.task),
          MR.h("td", {}, "rerun"),
          MR.h("td", {}, a.index === null || a.index === undefined
                         ? "" : String(a.index)),
          MR.h("td", {}, a.action || ""),
          MR.h("td", {}, MR.jsonBlock(a.input)),
          MR.h("td", {}, successors)));
      });
    });
    return MR.table(["Task", "Mode", "Item", "Action", "Input / output",
                     "Then"], rows, "grid plan");
  }

  function stateTable(ex, target) {
    return MR.table(["Execution", "State now", "After"], [MR.h("tr", {},
      MR.h("td", {class: "mono"}, ex.id), MR.h("td", {}, MR.badge(ex.state)),
      MR.h("td", {}, MR.badge(target)))], "grid plan");
  }

  /* Open the panel in ``box`` for ``kind``; ``done()`` reloads the view. */
  MR.openAction = function (box, kind, ex, task, actions, done) {
    var form = MR.h("form", {class: "action-form", novalidate: true});
    var parts = {};
    var planBox = MR.h("div", {class: "plan-box", "aria-live": "polite"});
    var status = MR.h("div", {class: "status", role: "status"});
    var comment = MR.h("textarea", {id: "action-comment", rows: "2",
                                    required: true,
                                    "aria-describedby": "comment-msg"});
    var commentMsg = MR.h("p", {id: "comment-msg", class: "field-msg"},
      STATE_ACTIONS[kind] ? "Sent as the execution's state info."
                          : "Recorded in the execution's comments.");
    var apply = MR.h("button", {type: "button", class: "btn btn-primary",
                                id: "action-apply", disabled: true},
                     "Apply");
    var preview = MR.h("button", {type: "submit", class: "btn",
                                  id: "action-preview"},
                       STATE_ACTIONS[kind] ? "Show plan" : "Preview plan");
    var pending = null;
    var heading = MR.h("h2", {tabindex: "-1", id: "action-title"},
      TITLES[kind] + (task ? " \u201c" + task.name + "\u201d" : ""));

    if (kind === "rerun") {
      var last = actions.length ? MR.parse(actions[actions.length - 1].input)
                                : {};
      parts.input = new MR.JsonEditor("New input (JSON object)",
        task.items ? {} : last, "object",
        "Keys given here replace the task's input; the rest is evaluated " +
        "again.");
      var inputBox = MR.h("div", {class: "hidden"}, parts.input.el);
      form.appendChild(radios("input-mode", "Input",
        [["same", "Same input"], ["edited", "Edited input"]], "same",
        function () {
          inputBox.classList.toggle("hidden",
                                    checked(form, "input-mode") !== "edited");
          stale();
        }));
      form.appendChild(inputBox);
      if (task.items) {
        parts.picker = itemPicker(task, actions);
        var pickBox = MR.h("div", {class: "hidden"}, parts.picker.el);
        form.appendChild(radios("items-mode", "Items",
          [["failed", "Failed and not started items"],
           ["all", "All " + task.items + " items"],
           ["picked", "Picked items"]], "failed", function () {
             pickBox.classList.toggle("hidden",
                                      checked(form, "items-mode") !==
                                      "picked");
             stale();
           }));
        form.appendChild(pickBox);
      }
    } else if (kind === "skip") {
      parts.output = new MR.JsonEditor("Output (any JSON value)", {}, "any",
        "The task completes with this result; its successors run.");
      var outBox = MR.h("div", {class: "hidden"}, parts.output.el);
      parts.withOutput = MR.h("input", {type: "checkbox", id: "with-output",
        onchange: function () {
          outBox.classList.toggle("hidden", !parts.withOutput.checked);
          stale();
        }});
      form.appendChild(MR.h("div", {class: "choice"}, parts.withOutput,
        MR.h("label", {for: "with-output"}, "Supply the task's output")));
      form.appendChild(outBox);
    }
    form.appendChild(MR.h("div", {class: "field"},
      MR.h("label", {for: "action-comment"},
           STATE_ACTIONS[kind] ? "Reason" : "Comment"),
      comment, commentMsg));
    form.appendChild(MR.h("div", {class: "buttons"}, preview, apply,
      MR.h("button", {type: "button", class: "btn btn-quiet",
                      id: "action-close", onclick: close}, "Close")));

    function stale() {
      pending = null;
      apply.disabled = true;
      MR.clear(planBox);
    }
    function close() {
      MR.clear(box);
      box.classList.add("hidden");
    }
    function fail(error) {
      MR.clear(status).appendChild(MR.errorBox(error));
    }

    form.addEventListener("input", function (ev) {
      if (ev.target !== comment) stale();
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      stale();
      MR.clear(status);
      if (!comment.value.trim()) {
        comment.setAttribute("aria-invalid", "true");
        commentMsg.textContent = "Say why, for the execution's history.";
        commentMsg.classList.add("field-error");
        comment.focus();
        return;
      }
      comment.setAttribute("aria-invalid", "false");
      if (STATE_ACTIONS[kind]) {
        var body = {state: STATE_ACTIONS[kind]};
        pending = function () {
          body.state_info = comment.value.trim();
          return body;
        };
        MR.clear(planBox).appendChild(MR.h("h3", {},
          "Plan (a state change: the API has no dry run for it)"));
        planBox.appendChild(stateTable(ex, STATE_ACTIONS[kind]));
        apply.disabled = false;
        return;
      }
      var built = buildResume(kind, task, form, parts);
      if (built.error) {
        fail({message: built.error});
        return;
      }
      var request = {state: "RUNNING", resume: built.resume,
                     comment: comment.value.trim()};
      MR.api.put("/executions/" + ex.id, Object.assign(
        {dry_run: true}, request)).then(function (answer) {
        pending = function () {
          request.comment = comment.value.trim();
          return request;
        };
        MR.clear(planBox).appendChild(MR.h("h3", {}, "Plan (dry run)"));
        planBox.appendChild(planTable(answer));
        apply.disabled = false;
        apply.focus();
      }, fail);
    });
    apply.addEventListener("click", function () {
      if (!pending) return;
      var body = pending();
      apply.disabled = true;
      MR.api.put("/executions/" + ex.id, body).then(function (result) {
        pending = null;
        MR.clear(status).appendChild(MR.h("div", {class: "alert alert-ok"},
          "Applied. The execution is now ", MR.badge(result.state), "."));
        done();
      }, function (error) {
        apply.disabled = false;
        fail(error);
      });
    });

    MR.clear(box);
    box.classList.remove("hidden");
    box.appendChild(heading);
    box.appendChild(form);
    box.appendChild(planBox);
    box.appendChild(status);
    heading.focus();
  };
})(window.MR);
