/* Small DOM helpers shared by the console's views. */
"use strict";
var MR = window.MR || {};
window.MR = MR;

/* h("td", {class: "x", onclick: f}, child, "text", [more]) */
MR.h = function (tag, attrs) {
  var el = document.createElement(tag);
  MR.setAttrs(el, attrs);
  for (var i = 2; i < arguments.length; i++) MR.append(el, arguments[i]);
  return el;
};

MR.setAttrs = function (el, attrs) {
  Object.keys(attrs || {}).forEach(function (key) {
    var value = attrs[key];
    if (value === null || value === undefined || value === false) return;
    if (key.slice(0, 2) === "on") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "text") {
      el.textContent = value;
    } else {
      el.setAttribute(key, value === true ? "" : value);
    }
  });
};

MR.append = function (el, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    child.forEach(function (c) { MR.append(el, c); });
  } else if (typeof child === "string" || typeof child === "number") {
    el.appendChild(document.createTextNode(String(child)));
  } else {
    el.appendChild(child);
  }
};

MR.clear = function (el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
};

MR.badge = function (state) {
  var s = state || "NOT RUN";
  return MR.h("span", {class: "badge state-" + s.toLowerCase().replace(
    /\s+/g, "-")}, s);
};

MR.shortId = function (id) { return id ? id.slice(0, 8) : ""; };

MR.firstLine = function (text, max) {
  var line = String(text || "").trim().split("\n")[0];
  max = max || 120;
  return line.length > max ? line.slice(0, max) + "\u2026" : line;
};

/* A JSON value for reading: pretty text in a <pre>. */
MR.jsonBlock = function (value, label) {
  var text = value === undefined ? "" : JSON.stringify(value, null, 2);
  return MR.h("pre", {class: "json", "aria-label": label || null}, text);
};

/* Mistral sends input, output, params... as JSON strings. */
MR.parse = function (value) {
  if (typeof value !== "string") return value;
  try { return JSON.parse(value); } catch (e) { return value; }
};

MR.card = function (title, id) {
  var body = MR.h("div", {class: "card-body"});
  var card = MR.h("section", {class: "card", id: id || null,
                              "aria-labelledby": id ? id + "-h" : null},
    MR.h("h2", {id: id ? id + "-h" : null}, title), body);
  card.body = body;
  return card;
};

MR.errorBox = function (error) {
  return MR.h("div", {class: "alert alert-error", role: "alert"},
    MR.h("strong", {}, error.status ? "HTTP " + error.status + ": "
                                      : "Error: "),
    MR.h("span", {class: "fault"}, error.message || String(error)));
};

MR.table = function (headers, rows, cls) {
  return MR.h("div", {class: "table-wrap"},
    MR.h("table", {class: cls || "grid"},
      MR.h("thead", {}, MR.h("tr", {}, headers.map(function (hd) {
        var opt = hd.charAt(0) === "~";
        return MR.h("th", {scope: "col", class: opt ? "col-opt" : null},
                    opt ? hd.slice(1) : hd);
      }))),
      MR.h("tbody", {}, rows)));
};
