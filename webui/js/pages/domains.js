// Domains page: the domains Moat accepts mail for, their internal mail host and
// per-domain filtering switches and thresholds (GET/POST/PUT/DELETE /domains).
// Administrators add, edit and delete; a domain administrator sees its own, read-only.

import { api } from "../api.js";
import { h, replace, field, checkbox, table, formValues } from "../dom.js";
import { pageHeader, section, showNotice, confirmDialog, busy } from "../ui.js";

const SWITCHES = [
  ["filtering", "Filtering"],
  ["smtp_validation", "SMTP validation"],
  ["list_validation", "List validation"],
  ["reject_nonvalidated", "Reject non-validated"],
  ["whitelist_only", "Whitelist only"],
];

function yesNo(v) {
  return h("span", { class: v ? "yes" : "no" }, v ? "on" : "off");
}

function domainForm(domain, onSaved, onCancel) {
  const editing = !!domain;
  const d = domain || { filtering: true };
  const controls = [
    editing ? null : field("Domain name", h("input", { type: "text", name: "name", required: true, placeholder: "example.com" })),
    field("Internal mail host", h("input", { type: "text", name: "backend", required: true, value: d.backend || "", placeholder: "mail.internal:25" }),
      "Where accepted mail for this domain is delivered (host or host:port)."),
    h("fieldset", { class: "switches" }, h("legend", null, "Checks"),
      SWITCHES.map(([key, label]) => field(label, checkbox(key, d[key])))),
    field("Tag score", h("input", { type: "number", name: "tag_score", step: "0.1", value: d.tag_score ?? "" }),
      "Messages scoring at least this are tagged. Empty: the global value."),
    field("Reject score", h("input", { type: "number", name: "reject_score", step: "0.1", value: d.reject_score ?? "" }),
      "Messages scoring at least this are rejected. Empty: the global value."),
  ];
  const submit = h("button", { type: "submit", class: "primary" }, editing ? "Save domain" : "Add domain");
  const form = h("form", { class: "grid-form", "aria-label": editing ? `Edit ${d.name}` : "Add domain" },
    controls,
    h("div", { class: "actions" }, submit,
      editing ? h("button", { type: "button", on: { click: onCancel } }, "Cancel") : null));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(submit, async () => {
      const v = formValues(form);
      const body = { backend: v.backend.trim() };
      for (const [key] of SWITCHES) body[key] = v[key];
      // An emptied score drops the domain's override (null): the global value applies again.
      for (const key of ["tag_score", "reject_score"]) {
        if (v[key] !== "") body[key] = Number(v[key]);
        else if (editing) body[key] = null;
      }
      let saved;
      if (editing) {
        saved = await api.put(`/domains/${d.id}`, body);
      } else {
        body.name = v.name.trim();
        saved = await api.post("/domains", body);
      }
      showNotice(editing ? `Domain ${saved.name} saved.` : `Domain ${saved.name} added.`);
      onSaved(saved);
    });
  });
  return form;
}

export async function render(view, ctx) {
  const admin = ctx.isAdmin;
  const listBox = h("div");
  const editBox = h("div");
  view.append(pageHeader("Domains"), editBox, section(admin ? "Domains" : "Your domains", listBox));

  async function load() {
    const domains = await api.get("/domains");
    const columns = [
      { label: "Domain", cell: (d) => h("strong", null, d.name) },
      { label: "Internal mail host", cell: (d) => d.backend },
      ...SWITCHES.map(([key, label]) => ({ label, cell: (d) => yesNo(d[key]) })),
      { label: "Tag score", cell: (d) => String(d.tag_score ?? ""), class: "num" },
      { label: "Reject score", cell: (d) => String(d.reject_score ?? ""), class: "num" },
      { label: "Valid addresses", cell: (d) => String(d.valid_addresses ?? 0), class: "num" },
    ];
    if (admin) {
      columns.push({
        label: "Actions",
        cell: (d) => h("div", { class: "row-actions" },
          h("button", { type: "button", "aria-label": `Edit ${d.name}`, on: { click: () => edit(d) } }, "Edit"),
          h("button", {
            type: "button", class: "danger", "aria-label": `Delete ${d.name}`,
            on: { click: (e) => remove(e.currentTarget, d) },
          }, "Delete")),
      });
    }
    replace(listBox, table(columns, domains, { empty: "No domains yet." }));
  }

  function showAdd() {
    replace(editBox, section("Add a domain", domainForm(null, () => { showAdd(); load(); })));
  }

  function edit(d) {
    replace(editBox, section(`Edit ${d.name}`, domainForm(d, () => { showAdd(); load(); }, showAdd)));
    editBox.scrollIntoView({ block: "start" });
  }

  async function remove(button, d) {
    if (!(await confirmDialog(`Delete the domain ${d.name}? Its lists and valid addresses go with it; mail for it will be refused.`, "Delete"))) return;
    await busy(button, async () => {
      await api.del(`/domains/${d.id}`);
      showNotice(`Domain ${d.name} deleted.`);
      await load();
    });
  }

  if (admin) showAdd();
  await load();
}
