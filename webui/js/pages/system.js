// System page (administrators): service health, ClamAV engine and signature age,
// the delivery queue, disk use and the archive's size against its quota, and a
// banner while archiving is paused for want of free space (GET /system).

import { api } from "../api.js";
import { h, table } from "../dom.js";
import { pageHeader, section } from "../ui.js";
import { fmtTime, fmtBytes, fmtAge } from "../format.js";

function dl(pairs) {
  return h("dl", { class: "details" }, pairs.map(([k, v]) => [h("dt", null, k), h("dd", null, v)]));
}

function meter(used, total, label) {
  const pct = total ? Math.min(100, (100 * used) / total) : 0;
  const fill = h("span", { class: `fill ${pct > 90 ? "bad" : pct > 75 ? "warn" : "ok"}` });
  fill.style.width = `${pct}%`;
  return h("div", { class: "meter", role: "meter", "aria-label": label, "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.round(pct) },
    h("span", { class: "track" }, fill), h("span", { class: "value" }, `${pct.toFixed(0)} %`));
}

export async function render(view) {
  const s = await api.get("/system");
  view.append(pageHeader("System"));
  view.append(section("Services", table([
    { label: "Service", cell: (x) => x.name },
    { label: "State", cell: (x) => h("span", { class: `badge state-${x.state === "running" ? "running" : x.state === "stopped" ? "stopped" : "unknown"}` }, x.state) },
    { label: "Detail", cell: (x) => x.detail || "" },
    { label: "Last heartbeat", cell: (x) => fmtTime(x.heartbeat) },
  ], s.services || [], { empty: "No service has reported yet." })));

  const c = s.clamav;
  view.append(section("Virus scanner (ClamAV)", c
    ? dl([
      ["Engine version", c.version || ""],
      ["Signatures", String(c.signatures ?? "")],
      ["Database version", c.db_version ? String(c.db_version) : ""],
      ["Database published", c.db_time ? fmtTime(c.db_time) : ""],
      ["Signature age", h("span", { class: c.age_seconds > 3 * 86400 ? "warn-text" : "" }, fmtAge(c.age_seconds))],
    ])
    : h("p", { class: "muted" }, "No virus scanner is reporting.")));

  const q = s.queue || {};
  view.append(section("Delivery queue", dl([
    ["Messages", String(q.messages ?? 0)],
    ["Oldest", q.oldest ? fmtTime(q.oldest) : "—"],
  ])));

  const d = s.disk || {};
  const used = (d.total || 0) - (d.free || 0);
  view.append(section("Disk", dl([
    ["Path", d.path || ""],
    ["Size", fmtBytes(d.total)],
    ["Free", fmtBytes(d.free)],
    ["Used", meter(used, d.total, "Disk used")],
  ])));

  const a = s.archive || {};
  // Shown as text only (h() never parses HTML): the path comes from the configuration.
  const paused = a.paused
    ? h("p", { class: "banner error", role: "status", "data-archive": "paused" },
      h("span", { class: "text" },
        `Archiving paused: ${fmtBytes(a.free)} free on the archive's disk (${String(a.path ?? "")}), ` +
        `under the reserve of ${fmtBytes(a.min_free)} (setting archive.min_free). ` +
        "New messages are delivered but not archived; the oldest archived messages are removed to make room."))
    : null;
  view.append(section("Archive", [paused, dl([
    ["Archiving", a.paused ? h("span", { class: "warn-text" }, "paused: disk under the reserve") : "active"],
    ["Free on its disk", a.free === null || a.free === undefined ? "unknown" : fmtBytes(a.free)],
    ["Reserve (archive.min_free)", fmtBytes(a.min_free)],
    ["Messages", String(a.messages ?? 0)],
    ["Size", fmtBytes(a.bytes)],
    ["Quota", a.quota ? fmtBytes(a.quota) : "none"],
    ["Quota used", a.quota ? meter(a.bytes || 0, a.quota, "Archive quota used") : "—"],
    ["Retention", a.retention_days ? `${a.retention_days} days` : ""],
  ])]));
}
