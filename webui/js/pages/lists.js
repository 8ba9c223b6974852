// Black/white lists page: global lists (administrators) and each domain's lists,
// with hit counts, last hit and note; add one entry or paste many (GET/POST /lists,
// POST /lists/bulk, DELETE /lists/{id}).

import { api } from "../api.js";
import { h, replace, field, select, table, checkbox } from "../dom.js";
import { pageHeader, section, showNotice, confirmDialog, busy } from "../ui.js";
import { fmtTime } from "../format.js";

const LISTS = [
  ["allow", "Allow (white list)"],
  ["deny", "Deny (black list)"],
  ["passthrough", "Pass-through (recipients never filtered)"],
  ["exception", "Exception (skip DNS checks)"],
];
const KINDS = {
  allow: [["sender", "Sender address"], ["sender_domain", "Sender domain"], ["client", "Client IP or network"]],
  deny: [["sender", "Sender address"], ["sender_domain", "Sender domain"], ["client", "Client IP or network"]],
  passthrough: [["recipient", "Recipient address"]],
  exception: [["client", "Client IP or network"], ["domain", "Client name or sender domain"]],
};
const KIND_LABEL = Object.fromEntries(Object.values(KINDS).flat());

const state = { scope: null, list: "allow" };

export async function render(view, ctx) {
  const domains = await api.get("/domains");
  const scopes = [];
  if (ctx.isAdmin) scopes.push(["0", "Global (all domains)"]);
  for (const d of domains) scopes.push([String(d.id), d.name]);
  if (state.scope === null || !scopes.some(([v]) => v === state.scope)) state.scope = scopes.length ? scopes[0][0] : "0";

  const scopeSel = select("domain_id", scopes, state.scope);
  const listSel = select("list", LISTS, state.list);
  const tableBox = h("div");
  const formBox = h("div");
  view.append(pageHeader("Black and white lists"),
    h("form", { class: "toolbar", "aria-label": "Choose list" },
      field("Scope", scopeSel), field("List", listSel)),
    section("Entries", tableBox), formBox);

  scopeSel.addEventListener("change", () => { state.scope = scopeSel.value; refresh(); });
  listSel.addEventListener("change", () => { state.list = listSel.value; refresh(); });

  async function load() {
    const entries = await api.get("/lists", { domain_id: state.scope, list: state.list });
    replace(tableBox, table([
      { label: "Kind", cell: (e) => KIND_LABEL[e.kind] || e.kind },
      { label: "Value", cell: (e) => h("code", null, e.value + (e.subdomains ? " (and subdomains)" : "")) },
      { label: "Note", cell: (e) => noteCell(e) },
      { label: "Hits", cell: (e) => String(e.hits ?? 0), class: "num" },
      { label: "Last hit", cell: (e) => (e.last_hit ? fmtTime(e.last_hit) : "never") },
      { label: "Added", cell: (e) => fmtTime(e.created) },
      {
        label: "Actions",
        cell: (e) => h("button", {
          type: "button", class: "danger", "aria-label": `Delete ${e.value}`,
          on: { click: (ev) => remove(ev.currentTarget, e) },
        }, "Delete"),
      },
    ], entries, { empty: "This list is empty." }));
  }

  // The note is the one thing of an entry that can be changed in place (PUT /lists/{id}).
  function noteCell(e) {
    const cell = h("div", { class: "note-cell" });
    const show = () => replace(cell, h("span", null, e.note || ""), " ",
      h("button", { type: "button", class: "link", "aria-label": `Edit note of ${e.value}`, on: { click: edit } }, "Edit"));
    function edit() {
      const input = h("input", { type: "text", name: "note", value: e.note || "", "aria-label": `Note of ${e.value}` });
      const save = h("button", { type: "submit" }, "Save");
      const form = h("form", { class: "inline-form", "aria-label": `Edit note of ${e.value}` },
        input, save, h("button", { type: "button", on: { click: show } }, "Cancel"));
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        busy(save, async () => {
          const updated = await api.put(`/lists/${e.id}`, { note: input.value });
          e.note = updated && updated.note !== undefined ? updated.note : input.value;
          show();
        });
      });
      replace(cell, form);
      input.focus();
    }
    show();
    return cell;
  }

  async function remove(button, e) {
    if (!(await confirmDialog(`Delete ${e.value} from this list?`, "Delete"))) return;
    await busy(button, async () => {
      await api.del(`/lists/${e.id}`);
      showNotice(`${e.value} deleted.`);
      await load();
    });
  }

  function forms() {
    const kinds = KINDS[state.list];
    // Add one entry
    const kind = select("kind", kinds, kinds[0][0]);
    const value = h("input", { type: "text", name: "value", required: true });
    const subdomains = checkbox("subdomains", false);
    const note = h("input", { type: "text", name: "note" });
    const add = h("button", { type: "submit", class: "primary" }, "Add entry");
    const one = h("form", { class: "grid-form", "aria-label": "Add an entry" },
      field("Kind", kind), field("Value", value, "An address, domain, IP address or CIDR network, by kind."),
      field("Include subdomains", subdomains), field("Note", note), h("div", { class: "actions" }, add));
    one.addEventListener("submit", (e) => {
      e.preventDefault();
      busy(add, async () => {
        const body = { domain_id: Number(state.scope), list: state.list, kind: kind.value, value: value.value.trim(), note: note.value };
        if (subdomains.checked) body.subdomains = true;
        const entry = await api.post("/lists", body);
        showNotice(`${entry.value} added.`);
        value.value = "";
        note.value = "";
        await load();
      });
    });
    // Bulk paste
    const bulkKind = select("kind", kinds, kinds[0][0]);
    const values = h("textarea", { name: "values", rows: 6, spellcheck: "false" });
    const bulkNote = h("input", { type: "text", name: "note" });
    const addAll = h("button", { type: "submit", class: "primary" }, "Add all");
    const report = h("div", { class: "report", role: "status" });
    const bulk = h("form", { class: "grid-form", "aria-label": "Bulk add" },
      field("Kind", bulkKind), field("Values, one per line", values), field("Note for all", bulkNote),
      h("div", { class: "actions" }, addAll), report);
    bulk.addEventListener("submit", (e) => {
      e.preventDefault();
      busy(addAll, async () => {
        const res = await api.post("/lists/bulk", {
          domain_id: Number(state.scope), list: state.list, kind: bulkKind.value, values: values.value, note: bulkNote.value,
        });
        const errors = res.errors || [];
        replace(report, h("p", null, `Added ${res.added} ${res.added === 1 ? "entry" : "entries"}` +
          (errors.length ? `, ${errors.length} not added:` : ".")),
        errors.length ? h("ul", { class: "errors" }, errors.map((x) => h("li", null, x))) : null);
        if (!errors.length) values.value = "";
        await load();
      });
    });
    replace(formBox, section("Add an entry", one), section("Paste a list", bulk));
  }

  async function refresh() {
    forms();
    await busy(null, load);
  }

  forms();
  await load();
}
