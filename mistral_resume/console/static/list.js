/* The executions list: counts per state, filter by state and workflow,
   newest first, paginated by the API's markers, refreshed every few
   seconds while anything runs. */
"use strict";
(function (MR) {
  var STATES = ["RUNNING", "PAUSED", "ERROR", "SUCCESS", "CANCELLED",
                "IDLE"];
  var ACTIVE = ["RUNNING", "IDLE"];
  var REFRESH_MS = 3000;
  var PAGE_SIZES = ["10", "20", "50"];

  function counts(workflow) {
    return Promise.all(STATES.map(function (state) {
      return MR.api.get("/executions", {
        state: state, workflow_name: workflow, fields: "id", limit: 1000
      }).then(function (data) {
        var n = (data.executions || []).length;
        return [state, data.next ? n + "+" : String(n), n];
      });
    }));
  }

  function countBar(result, filter, go) {
    return MR.h("div", {class: "counts", role: "group",
                        "aria-label": "Executions per state"},
      MR.h("button", {type: "button", class: "count" +
        (filter.state ? "" : " current"), "aria-pressed":
        filter.state ? "false" : "true",
        onclick: function () { go({state: ""}); }}, "All"),
      result.map(function (r) {
        return MR.h("button", {
          type: "button", "data-state": r[0],
          class: "count state-" + r[0].toLowerCase() +
            (filter.state === r[0] ? " current" : ""),
          "aria-pressed": filter.state === r[0] ? "true" : "false",
          onclick: function () { go({state: r[0]}); }},
          MR.h("span", {class: "count-name"}, r[0]),
          MR.h("span", {class: "count-n"}, r[1]));
      }));
  }

  function filterForm(filter, workflows, go) {
    var state = MR.h("select", {id: "f-state", name: "state"},
      MR.h("option", {value: ""}, "Any state"),
      STATES.map(function (st) {
        return MR.h("option", {value: st, selected: filter.state === st},
                    st);
      }));
    var wf = MR.h("input", {id: "f-workflow", name: "workflow",
                            list: "f-workflows", autocomplete: "off",
                            value: filter.workflow || ""});
    var size = MR.h("select", {id: "f-limit", name: "limit"},
      PAGE_SIZES.map(function (n) {
        return MR.h("option", {value: n, selected: filter.limit === n}, n);
      }));
    return MR.h("form", {class: "filters", role: "search",
                         onsubmit: function (ev) {
                           ev.preventDefault();
                           go({state: state.value, workflow: wf.value.trim(),
                               limit: size.value});
                         }},
      MR.h("div", {class: "field"}, MR.h("label", {for: "f-state"}, "State"),
           state),
      MR.h("div", {class: "field"},
           MR.h("label", {for: "f-workflow"}, "Workflow"), wf,
           MR.h("datalist", {id: "f-workflows"}, workflows.map(function (w) {
             return MR.h("option", {value: w});
           }))),
      MR.h("div", {class: "field"},
           MR.h("label", {for: "f-limit"}, "Per page"), size),
      MR.h("button", {type: "submit", class: "btn"}, "Filter"));
  }

  function rows(executions) {
    if (!executions.length) {
      return MR.h("tr", {}, MR.h("td", {colspan: "6", class: "empty"},
                                 "No executions match."));
    }
    return executions.map(function (ex) {
      return MR.h("tr", {"data-id": ex.id},
        MR.h("td", {}, MR.h("a", {href: "#/executions/" + ex.id,
                                  class: "mono", title: ex.id},
                            MR.shortId(ex.id))),
        MR.h("td", {}, ex.workflow_name),
        MR.h("td", {}, MR.badge(ex.state)),
        MR.h("td", {class: "info"}, MR.firstLine(ex.state_info, 90)),
        MR.h("td", {class: "col-opt nowrap"}, ex.created_at),
        MR.h("td", {class: "col-opt nowrap"}, ex.updated_at || ""));
    });
  }

  /* ``route.params``: state, workflow, limit; markers kept per view. */
  MR.listView = function (main, params, nav) {
    var filter = {state: params.state || "", workflow: params.workflow || "",
                  limit: params.limit || "20"};
    var markers = [];  /* the marker of each page before this one */
    var marker = null;
    var view = {timer: null, stopped: false};

    function go(change) {
      nav("#/" + MR.queryString(Object.assign({}, filter, change)));
    }

    function load() {
      window.clearTimeout(view.timer);
      return Promise.all([
        counts(filter.workflow),
        MR.api.get("/executions", {
          state: filter.state, workflow_name: filter.workflow,
          limit: filter.limit, marker: marker,
          sort_keys: "created_at,id", sort_dirs: "desc,desc"}),
        MR.api.get("/workflows", {fields: "name", limit: 1000})
          .catch(function () { return {workflows: []}; })
      ]).then(function (all) {
        if (view.stopped) return;
        render(all[0], all[1], (all[2].workflows || []).map(
          function (w) { return w.name; }));
      }, function (error) {
        if (view.stopped) return;
        MR.clear(main).appendChild(MR.errorBox(error));
      });
    }

    function render(countResult, page, workflows) {
      /* The page is redrawn: keep the focus on the same control. */
      var focusedId = document.activeElement && document.activeElement.id;
      var running = countResult.some(function (r) {
        return ACTIVE.indexOf(r[0]) >= 0 && r[2] > 0;
      });
      var executions = page.executions || [];
      var nextMarker = page.next ? executions[executions.length - 1].id
                                 : null;
      var card = MR.card("Executions", "executions");
      card.body.appendChild(countBar(countResult, filter, go));
      card.body.appendChild(filterForm(filter, workflows, go));
      card.body.appendChild(MR.table(
        ["Execution", "Workflow", "State", "State info", "~Created",
         "~Updated"], rows(executions), "grid executions"));
      card.body.appendChild(MR.h("div", {class: "pager"},
        MR.h("button", {type: "button", class: "btn", id: "page-prev",
                        disabled: markers.length === 0,
                        onclick: function () {
                          marker = markers.pop();
                          load();
                        }}, "\u2190 Newer"),
        MR.h("span", {class: "page-no", "aria-live": "polite"},
             "Page " + (markers.length + 1)),
        MR.h("button", {type: "button", class: "btn", id: "page-next",
                        disabled: !nextMarker,
                        onclick: function () {
                          markers.push(marker);
                          marker = nextMarker;
                          load();
                        }}, "Older \u2192"),
        MR.h("span", {class: "refresh-note", id: "auto-refresh"},
             running ? "Auto-refreshing while executions run" : "")));
      MR.clear(main).appendChild(card);
      var again = focusedId && document.getElementById(focusedId);
      if (again && !again.disabled) again.focus();
      if (running && !view.stopped) {
        view.timer = window.setTimeout(load, REFRESH_MS);
      }
    }

    load();
    return {stop: function () {
      view.stopped = true;
      window.clearTimeout(view.timer);
    }};
  };
})(window.MR);
