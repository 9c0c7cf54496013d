/* The REST API, as the page calls it: same origin, the identity the
   operator set, errors carried as they came (status + faultstring). */
"use strict";
(function (MR) {
  var ROOT = window.location.pathname.replace(/\/console(\/.*)?$/, "");
  var API = ROOT + "/v2";
  var IDENTITY_KEY = "mr-console-identity";
  var HEADERS = {token: "X-Auth-Token", project: "X-Project-Id",
                 user: "X-User-Id", roles: "X-Roles"};

  function ApiError(status, message, body) {
    this.status = status;
    this.message = message;
    this.body = body;
  }
  ApiError.prototype.toString = function () {
    return "HTTP " + this.status + ": " + this.message;
  };

  function identity() {
    try {
      return JSON.parse(window.sessionStorage.getItem(IDENTITY_KEY)) || {};
    } catch (e) {
      return {};
    }
  }

  function setIdentity(values) {
    window.sessionStorage.setItem(IDENTITY_KEY, JSON.stringify(values));
  }

  function headers(json) {
    var result = {"Accept": "application/json"};
    var id = identity();
    Object.keys(HEADERS).forEach(function (key) {
      if (id[key]) result[HEADERS[key]] = id[key];
    });
    if (json) result["Content-Type"] = json;
    return result;
  }

  function query(params) {
    var parts = [];
    Object.keys(params || {}).forEach(function (key) {
      var v = params[key];
      if (v === undefined || v === null || v === "") return;
      parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(v));
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  /* The API's message as it sent it: faultstring, else the raw text. */
  function failure(response, text) {
    var body = null, message = text || response.statusText;
    try {
      body = JSON.parse(text);
      if (body && body.faultstring) message = body.faultstring;
    } catch (e) { /* not JSON: keep the text */ }
    return new ApiError(response.status, message, body);
  }

  function call(method, path, body, params, base, type) {
    var url = (base === undefined ? API : base) + path + query(params);
    var init = {method: method, headers: headers(
      body === undefined ? null : (type || "application/json")),
      credentials: "same-origin", cache: "no-store"};
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
    }
    return window.fetch(url, init).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) throw failure(response, text);
        return text ? JSON.parse(text) : null;
      });
    }, function (error) {
      throw new ApiError(0, "The server did not answer: " + error.message);
    });
  }

  /* Every page of a list, following the API's ``next`` links. */
  function listAll(path, key, params) {
    var items = [];
    function page(p) {
      return call("GET", path, undefined, p).then(function (data) {
        items = items.concat(data[key] || []);
        if (!data.next) return items;
        var marker = /[?&]marker=([^&]+)/.exec(data.next);
        if (!marker) return items;
        var next = Object.assign({}, p, {marker: decodeURIComponent(
          marker[1])});
        return page(next);
      });
    }
    return page(Object.assign({limit: 1000}, params || {}));
  }

  MR.ApiError = ApiError;
  MR.api = {
    root: ROOT,
    identity: identity,
    setIdentity: setIdentity,
    get: function (path, params) { return call("GET", path, undefined,
                                               params); },
    put: function (path, body) { return call("PUT", path, body); },
    listAll: listAll,
    graph: function (definition, workflow) {
      return call("POST", "/console/graph", definition,
                  {workflow: workflow}, ROOT, "text/plain");
    }
  };
})(window.MR);
