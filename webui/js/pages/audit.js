// Audit log page (administrators): who changed what, newest first, paged with
// "Older entries" (GET /audit?before=&limit=).

import { api } from "../api.js";
import { h, replace, table } from "../dom.js";
import { pageHeader, section, busy } from "../ui.js";
import { fmtTime } from "../format.js";

const LIMIT = 100;

export async function render(view) {
  const box = h("div");
  const more = h("button", { type: "button", hidden: true }, "Older entries");
  let rows = [];
  view.append(pageHeader("Audit log"), section("Changes", box, h("div", { class: "actions" }, more)));

  async function load(older) {
    const params = { limit: LIMIT };
    if (older && rows.length) params.before = rows[rows.length - 1].id;
    const res = await api.get("/audit", params);
    rows = older ? rows.concat(res) : res;
    more.hidden = res.length < LIMIT;
    replace(box, table([
      { label: "Time", cell: (e) => fmtTime(e.ts) },
      { label: "User", cell: (e) => e.user || "" },
      { label: "Client IP", cell: (e) => e.client_ip || "" },
      { label: "Action", cell: (e) => h("code", null, e.action || "") },
      { label: "Target", cell: (e) => e.target || "" },
      { label: "Detail", cell: (e) => (typeof e.detail === "string" ? e.detail : JSON.stringify(e.detail ?? "")) },
    ], rows, { empty: "Nothing recorded yet." }));
  }
  more.addEventListener("click", () => busy(more, () => load(true)));
  await load(false);
}
