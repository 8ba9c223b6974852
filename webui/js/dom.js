// Building DOM nodes safely — the console's XSS rule lives here.
//
// Everything shown in the console may come from mail (subjects, sender names,
// file names, headers) and so from an attacker. The rule: data reaches the page
// ONLY as text (textContent / text nodes) or as the value of an attribute on the
// allow-list below, set with setAttribute. No innerHTML, outerHTML,
// insertAdjacentHTML or document.write anywhere in webui/; no event handler
// attributes (they are refused here, and the server's CSP forbids inline script
// anyway); links only to the console itself (relative URLs) — a `javascript:`
// URL from data can never become an href.

const SAFE_ATTRIBUTES = new Set([
  "id", "class", "type", "name", "value", "placeholder", "for", "title", "role",
  "colspan", "rowspan", "scope", "min", "max", "step", "rows", "cols", "size",
  "maxlength", "minlength", "method", "autocomplete", "spellcheck", "tabindex", "lang", "datetime",
  "href", "download", "target", "rel", "open", "hidden", "disabled", "checked",
  "selected", "required", "readonly", "multiple", "accept",
]);
const BOOLEAN_ATTRIBUTES = new Set([
  "open", "hidden", "disabled", "checked", "selected", "required", "readonly", "multiple",
]);

// Relative URLs inside the console only: "#/...", "/api/...", "api/...".
// Anything with a scheme (javascript:, data:, http:) or protocol-relative "//" is refused.
export function safeUrl(url) {
  const s = String(url);
  if (/^#/.test(s)) return s;
  if (/^\/(?!\/)/.test(s) && !/[\s\\]/.test(s)) return s;
  throw new Error(`refusing unsafe URL ${JSON.stringify(s)}`);
}

function setAttr(el, key, value) {
  if (value === undefined || value === null || value === false) return;
  if (key.startsWith("aria-") || key.startsWith("data-")) {
    el.setAttribute(key, String(value));
    return;
  }
  if (!SAFE_ATTRIBUTES.has(key)) throw new Error(`attribute ${key} is not on the allow-list`);
  if (key === "href") value = safeUrl(value);
  if (BOOLEAN_ATTRIBUTES.has(key)) {
    if (value) el.setAttribute(key, "");
    if (key === "checked" || key === "selected" || key === "disabled") el[key] = !!value;
    return;
  }
  if (key === "value" && "value" in el) {
    el.value = String(value);
    return;
  }
  el.setAttribute(key, String(value));
}

function append(el, child) {
  if (child === undefined || child === null || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(el, c);
  } else if (child instanceof Node) {
    el.appendChild(child);
  } else {
    el.appendChild(document.createTextNode(String(child)));
  }
}

// h("button", {class: "primary", on: {click: fn}}, "Save")
// attrs: allow-listed attributes, aria-*, data-*; `on` maps event names to functions.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "on") {
      for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    } else {
      setAttr(el, key, value);
    }
  }
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

let uniqueCounter = 0;
export function uid(prefix = "f") {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

// A new password typed twice: the two inputs, their labelled fields (the
// first with the length hint), and differ() for the check before sending.
export function newPasswordFields(name, label, againLabel) {
  const password = h("input", { type: "password", name, autocomplete: "new-password", required: true, minlength: 10 });
  const again = h("input", { type: "password", name: "again", autocomplete: "new-password", required: true });
  return {
    password, again,
    fields: [field(label, password, "At least 10 characters."), field(againLabel, again)],
    differ: () => password.value !== again.value,
  };
}

// A labelled form field: <div class="field"><label for=id>text</label><input id=id></div>.
// control is an element made with h(); it gets an id when it has none.
export function field(label, control, hint) {
  if (!control.id) control.id = uid("in");
  return h("div", { class: "field" },
    h("label", { for: control.id }, label),
    control,
    hint ? h("small", { class: "hint" }, hint) : null);
}

export function select(name, options, current) {
  // options: [[value, label], ...] or [value, ...]
  const el = h("select", { name });
  for (const o of options) {
    const [value, label] = Array.isArray(o) ? o : [o, o];
    el.appendChild(h("option", { value, selected: String(value) === String(current) }, label));
  }
  return el;
}

export function checkbox(name, checked) {
  return h("input", { type: "checkbox", name, checked: !!checked });
}

// A table from column definitions: [{label, cell: row => node|string, class?}].
export function table(columns, rows, options = {}) {
  const head = h("thead", null, h("tr", null,
    columns.map((c) => h("th", { scope: "col", class: c.class }, c.label))));
  const body = h("tbody");
  if (!rows.length) {
    body.appendChild(h("tr", { class: "empty" },
      h("td", { colspan: columns.length }, options.empty || "Nothing to show.")));
  }
  for (const row of rows) {
    const tr = h("tr", null, columns.map((c) => h("td", { class: c.class }, c.cell(row))));
    if (options.onRow) options.onRow(tr, row);
    body.appendChild(tr);
  }
  return h("table", { class: "data" + (options.class ? " " + options.class : "") },
    options.caption ? h("caption", null, options.caption) : null, head, body);
}

// Form values as an object: checkboxes → booleans, everything else → strings.
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") out[el.name] = el.checked;
    else if (el.type === "radio") { if (el.checked) out[el.name] = el.value; }
    else out[el.name] = el.value;
  }
  return out;
}
