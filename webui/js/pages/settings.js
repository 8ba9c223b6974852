// Settings page (administrators): every global policy setting with an input by
// its type (boolean → yes/no select, choice → select, numbers → number input,
// others → text), saved per row; and the DNS zones used by the DNS checks
// (GET/PUT/DELETE /settings/{key}, GET/POST/DELETE /zones).

import { api } from "../api.js";
import { h, replace, field, select, table } from "../dom.js";
import { pageHeader, section, showNotice, confirmDialog, busy } from "../ui.js";

const ZONE_KINDS = [["dnsbl", "DNSBL (client IP)"], ["rhsbl", "RHSBL (sender domain)"], ["uribl", "URIBL (links in the body)"], ["country", "Country (client IP)"]];

function asText(v) {
  if (v === true) return "yes";
  if (v === false) return "no";
  if (Array.isArray(v)) return v.join(", ");
  return v === null || v === undefined ? "" : String(v);
}

function control(s) {
  const el = input(s);
  el.setAttribute("aria-label", `Value of ${s.key}`);
  return el;
}

function input(s) {
  const value = asText(s.value);
  if (s.type === "boolean") return select(s.key, [["yes", "yes"], ["no", "no"]], value === "yes" || value === "true" ? "yes" : "no");
  if (s.type === "choice" && Array.isArray(s.choices)) return select(s.key, s.choices, value);
  const numeric = s.type === "integer" || s.type === "number" || s.type === "seconds";
  return h("input", {
    type: numeric ? "number" : "text", name: s.key, value,
    step: s.type === "number" ? "any" : numeric ? "1" : null,
    min: numeric && s.min !== undefined && s.min !== null && s.max ? s.min : null,
    max: numeric && s.max ? s.max : null,
  });
}

function outgoing(s, text) {
  // Send the value in the JSON type the server used for it.
  if (typeof s.value === "boolean") return text === "yes";
  if (typeof s.value === "number" && text !== "" && Number.isFinite(Number(text))) return Number(text);
  return text;
}

function group(key) {
  const dot = key.indexOf(".");
  return dot > 0 ? key.slice(0, dot) : "general";
}

export async function render(view) {
  const settingsBox = h("div");
  const zonesBox = h("div");
  const filter = h("input", { type: "search", name: "filter", placeholder: "e.g. greylist, dnsbl, score" });
  filter.addEventListener("input", () => applyFilter());
  view.append(pageHeader("Settings"),
    h("p", { class: "muted" }, "Global values; a domain may override some of them. Changes reach the running gateway within a second."),
    h("form", { class: "toolbar", "aria-label": "Filter settings", on: { submit: (e) => e.preventDefault() } },
      field("Show settings containing", filter)),
    settingsBox, section("DNS zones", zonesBox, zoneForm()));

  async function loadSettings() {
    const all = await api.get("/settings");
    const groups = new Map();
    for (const s of all) {
      const g = group(s.key);
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(s);
    }
    replace(settingsBox, [...groups.entries()].map(([g, items]) => section(g, table([
      { label: "Setting", class: "c-setting", cell: (s) => h("div", null, h("code", null, s.key), h("div", { class: "hint" }, s.description || "")) },
      { label: "Value", class: "c-value", cell: (s) => s._control },
      { label: "Default", class: "c-default muted", cell: (s) => asText(s.default) },
      {
        label: "Actions",
        class: "c-actions",
        cell: (s) => h("div", { class: "row-actions" },
          h("button", { type: "button", "aria-label": `Save ${s.key}`, on: { click: (e) => save(e.currentTarget, s) } }, "Save"),
          h("button", { type: "button", "aria-label": `Reset ${s.key}`, on: { click: (e) => reset(e.currentTarget, s) } }, "Reset")),
      },
    ], items.map((s) => Object.assign(s, { _control: s._control || control(s) })), {
      class: "settings",
      onRow: (tr, s) => { tr.dataset.search = `${s.key} ${s.description || ""}`.toLowerCase(); },
    }))));
    applyFilter();
  }

  // Hides the rows (and whole groups) that do not contain the filter text.
  function applyFilter() {
    const text = filter.value.trim().toLowerCase();
    for (const card of settingsBox.querySelectorAll("section.card")) {
      let shown = 0;
      for (const tr of card.querySelectorAll("tbody tr")) {
        tr.hidden = !!text && !(tr.dataset.search || "").includes(text);
        if (!tr.hidden) shown += 1;
      }
      card.hidden = shown === 0;
    }
  }

  async function save(button, s) {
    await busy(button, async () => {
      const res = await api.put(`/settings/${encodeURIComponent(s.key)}`, { value: outgoing(s, s._control.value) });
      showNotice(`${s.key} = ${asText(res && res.value !== undefined ? res.value : s._control.value)}`);
      if (res && res.value !== undefined) {
        s.value = res.value;
        s._control.value = asText(res.value);
      }
    });
  }

  async function reset(button, s) {
    await busy(button, async () => {
      await api.del(`/settings/${encodeURIComponent(s.key)}`);
      s.value = s.default;
      s._control.value = asText(s.default);
      showNotice(`${s.key} is back to its default (${asText(s.default)}).`);
    });
  }

  function zoneForm() {
    const kind = select("kind", ZONE_KINDS, "dnsbl");
    const zone = h("input", { type: "text", name: "zone", required: true, placeholder: "zen.spamhaus.org" });
    const weight = h("input", { type: "number", name: "weight", step: "any", value: "5" });
    const mask = h("input", { type: "text", name: "mask", placeholder: "127.0.0.2-127.0.0.11" });
    const url = h("input", { type: "text", name: "url" });
    const note = h("input", { type: "text", name: "note" });
    const add = h("button", { type: "submit", class: "primary" }, "Add zone");
    const form = h("form", { class: "grid-form", "aria-label": "Add DNS zone" },
      field("Kind", kind), field("Zone", zone), field("Weight", weight), field("Answer mask", mask, "Empty: any 127.x.y.z listing."),
      field("Information URL", url), field("Note", note), h("div", { class: "actions" }, add));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      busy(add, async () => {
        const z = await api.post("/zones", {
          kind: kind.value, zone: zone.value.trim(), weight: Number(weight.value || 0), mask: mask.value.trim(), url: url.value.trim(), note: note.value,
        });
        showNotice(`Zone ${z.zone || zone.value} added.`);
        zone.value = "";
        await loadZones();
      });
    });
    return form;
  }

  async function loadZones() {
    const zones = await api.get("/zones");
    replace(zonesBox, table([
      { label: "Kind", cell: (z) => z.kind },
      { label: "Zone", cell: (z) => h("code", null, z.zone) },
      { label: "Weight", cell: (z) => String(z.weight), class: "num" },
      { label: "Answer mask", cell: (z) => z.mask || "any" },
      { label: "URL", cell: (z) => z.url || "" },
      { label: "Note", cell: (z) => z.note || "" },
      {
        label: "Actions",
        cell: (z) => h("button", {
          type: "button", class: "danger", "aria-label": `Delete ${z.zone}`,
          on: {
            click: async (e) => {
              const b = e.currentTarget;
              if (!(await confirmDialog(`Delete the zone ${z.zone}?`, "Delete"))) return;
              await busy(b, async () => { await api.del(`/zones/${z.id}`); showNotice(`Zone ${z.zone} deleted.`); await loadZones(); });
            },
          },
        }, "Delete"),
      },
    ], zones, { empty: "No DNS zones configured." }));
  }

  await Promise.all([loadSettings(), loadZones()]);
}
