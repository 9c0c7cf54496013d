/* A JSON editor: a labelled textarea that says, as one types, whether
   its text is JSON of the expected kind. A form with an invalid editor
   sends nothing. */
"use strict";
(function (MR) {
  var counter = 0;
  var KINDS = {
    object: function (v) {
      return v !== null && typeof v === "object" && !Array.isArray(v);
    },
    any: function () { return true; }
  };
  var KIND_NAMES = {object: "a JSON object, e.g. {\"size\": 2}",
                    any: "a JSON value"};

  function JsonEditor(label, value, kind, hint) {
    var id = "json-" + (++counter);
    this.kind = kind || "object";
    this.initial = value === undefined ? "" : JSON.stringify(value, null, 2);
    this.textarea = MR.h("textarea", {
      id: id, class: "json-editor", rows: "5", spellcheck: "false",
      "aria-describedby": id + "-msg"});
    this.textarea.value = this.initial;
    this.message = MR.h("p", {id: id + "-msg", class: "field-msg",
                              "aria-live": "polite"}, hint || "");
    this.hint = hint || "";
    this.el = MR.h("div", {class: "field json-field"},
      MR.h("label", {for: id}, label), this.textarea, this.message);
    var self = this;
    this.textarea.addEventListener("input", function () { self.check(); });
  }

  JsonEditor.prototype.changed = function () {
    return this.textarea.value.trim() !== this.initial.trim();
  };

  /* The parsed value, or throws after marking the field invalid. */
  JsonEditor.prototype.check = function () {
    var text = this.textarea.value;
    var error = null, value;
    try {
      value = JSON.parse(text);
      if (!KINDS[this.kind](value)) {
        error = "Must be " + KIND_NAMES[this.kind] + ".";
      }
    } catch (e) {
      error = "Not valid JSON: " + e.message;
    }
    this.textarea.classList.toggle("invalid", !!error);
    this.textarea.setAttribute("aria-invalid", error ? "true" : "false");
    this.message.textContent = error || this.hint;
    this.message.classList.toggle("field-error", !!error);
    this.valid = !error;
    this.value = value;
    return !error;
  };

  JsonEditor.prototype.focus = function () { this.textarea.focus(); };

  MR.JsonEditor = JsonEditor;
})(window.MR);
