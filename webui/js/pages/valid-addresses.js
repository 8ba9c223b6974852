// Valid addresses page: a domain's list of existing recipients (for list
// validation). Paste to replace or add; the server normalises and reports the
// count; search shows matching addresses (GET/PUT/POST/DELETE /domains/{id}/valid-addresses).

import { api } from "../api.js";
import { h, replace, field, select } from "../dom.js";
import { pageHeader, section, showNotice, confirmDialog, busy } from "../ui.js";

const state = { domain: null, q: "" };
const PAGE = 200;

export async function render(view) {
  const domains = await api.get("/domains");
  view.append(pageHeader("Valid addresses"));
  if (!domains.length) {
    view.append(h("p", { class: "muted" }, "There are no domains yet."));
    return;
  }
  if (!domains.some((d) => String(d.id) === state.domain)) state.domain = String(domains[0].id);

  const domainSel = select("domain", domains.map((d) => [String(d.id), d.name]), state.domain);
  const count = h("p", { class: "count", role: "status", "aria-label": "Address count" });
  const text = h("textarea", { name: "text", rows: 10, spellcheck: "false", placeholder: "alice@example.com\nbob@example.com" });
  const replaceBtn = h("button", { type: "button", class: "primary" }, "Replace list");
  const addBtn = h("button", { type: "button" }, "Add to list");
  const clearBtn = h("button", { type: "button", class: "danger" }, "Clear list");
  const report = h("div", { class: "report" });
  const q = h("input", { type: "search", name: "q", value: state.q });
  const results = h("div");

  view.append(
    h("form", { class: "toolbar", "aria-label": "Choose domain" }, field("Domain", domainSel), count),
    section("Paste addresses",
      h("p", { class: "muted" }, "One address per line (or separated by commas or spaces). Addresses are normalised to lower case; duplicates are dropped."),
      field("Addresses", text),
      h("div", { class: "actions" }, replaceBtn, addBtn, clearBtn), report),
    section("Search",
      h("form", { class: "toolbar", "aria-label": "Search addresses", on: { submit: (e) => { e.preventDefault(); search(); } } },
        field("Address contains", q), h("button", { type: "submit" }, "Search")),
      results));

  const path = () => `/domains/${state.domain}/valid-addresses`;

  function showCount(n) {
    replace(count, `${n} valid ${n === 1 ? "address" : "addresses"}`);
  }

  async function search() {
    state.q = q.value.trim();
    const res = await api.get(path(), { q: state.q, limit: PAGE });
    showCount(res.count);
    const addresses = res.addresses || [];
    replace(results,
      addresses.length
        ? h("ul", { class: "addresses", "aria-label": "Matching addresses" }, addresses.map((a) => h("li", null, a)))
        : h("p", { class: "muted" }, state.q ? "No address matches." : "The list is empty."),
      state.q && res.matched !== undefined ? h("p", { class: "muted" }, `${res.matched} matching.`) : null,
      addresses.length >= PAGE ? h("p", { class: "muted" }, `Showing the first ${PAGE}; refine the search.`) : null);
  }

  async function send(button, method) {
    await busy(button, async () => {
      const res = await (method === "PUT" ? api.put(path(), { text: text.value }) : api.post(path(), { text: text.value }));
      const errors = res.errors || [];
      const parts = [`${res.count} valid addresses now`];
      if (res.added !== undefined) parts.push(`${res.added} added`);
      if (res.removed !== undefined && method === "PUT") parts.push(`${res.removed} removed`);
      replace(report, h("p", null, parts.join(", ") + (errors.length ? `; ${errors.length} lines not understood:` : ".")),
        errors.length ? h("ul", { class: "errors" }, errors.map((x) => h("li", null, x))) : null);
      showCount(res.count);
      if (!errors.length) text.value = "";
      await search();
    });
  }

  replaceBtn.addEventListener("click", () => send(replaceBtn, "PUT"));
  addBtn.addEventListener("click", () => send(addBtn, "POST"));
  clearBtn.addEventListener("click", async () => {
    const name = domainSel.selectedOptions[0].textContent;
    if (!(await confirmDialog(`Remove every valid address of ${name}?`, "Clear list"))) return;
    await busy(clearBtn, async () => {
      await api.del(path());
      showNotice(`The valid addresses of ${name} were removed.`);
      replace(report);
      await search();
    });
  });
  domainSel.addEventListener("change", () => {
    state.domain = domainSel.value;
    replace(report);
    busy(null, search);
  });
  await search();
}
