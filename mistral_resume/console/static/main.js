/* Routes: #/ (executions, ?state=&workflow=&limit=) and
   #/executions/ID. */
"use strict";
(function (MR) {
  var current = null;

  MR.queryString = function (params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      if (params[k]) {
        parts.push(encodeURIComponent(k) + "=" +
                   encodeURIComponent(params[k]));
      }
    });
    return parts.length ? "?" + parts.join("&") : "";
  };

  function parseHash() {
    var hash = window.location.hash.replace(/^#/, "") || "/";
    var q = hash.indexOf("?");
    var path = q >= 0 ? hash.slice(0, q) : hash;
    var params = {};
    if (q >= 0) {
      hash.slice(q + 1).split("&").forEach(function (pair) {
        var kv = pair.split("=");
        if (kv[0]) params[decodeURIComponent(kv[0])] =
          decodeURIComponent(kv[1] || "");
      });
    }
    return {path: path, params: params};
  }

  function nav(hash) {
    if (window.location.hash === hash) {
      route();
    } else {
      window.location.hash = hash;
    }
  }

  function route() {
    var main = document.getElementById("main");
    var r = parseHash();
    if (current) current.stop();
    var m = /^\/executions\/([^/]+)$/.exec(r.path);
    if (m) {
      document.title = "Execution " + MR.shortId(m[1]) +
        " \u2014 mistral-resume";
      current = MR.executionView(main, decodeURIComponent(m[1]));
    } else {
      document.title = "Executions \u2014 mistral-resume";
      current = MR.listView(main, r.params, nav);
    }
  }

  function identityForm() {
    var form = document.getElementById("identity-form");
    var values = MR.api.identity();
    ["token", "project", "user", "roles"].forEach(function (k) {
      form.elements[k].value = values[k] || "";
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var next = {};
      ["token", "project", "user", "roles"].forEach(function (k) {
        next[k] = form.elements[k].value.trim();
      });
      MR.api.setIdentity(next);
      document.getElementById("identity").open = false;
      route();
    });
  }

  document.getElementById("skip-link").addEventListener("click",
    function (ev) {
      ev.preventDefault();
      document.getElementById("main").focus();
    });
  window.addEventListener("hashchange", route);
  identityForm();
  route();
})(window.MR);
