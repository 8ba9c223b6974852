// System page (administrators): service health, the firewall (its blocked and
// tarpitted sources, blocking and unblocking one, the maintenance and admin
// networks and the per-source limits), ClamAV engine and signature age, the
// delivery queue, disk use and the archive's size against its quota, and a
// banner while archiving is paused for want of free space
// (GET /system, GET/PUT /firewall, POST/DELETE /firewall/blocks); backup
// (a download of GET /system/backup, the message log only when asked) and
// restore (POST /system/backup/check, a confirmation naming what the file
// holds, then POST /system/restore; every session ends, so the login form
// follows).

import { api, apiUrl } from "../api.js";
import { h, replace, field, select, table } from "../dom.js";
import { pageHeader, section, showNotice, confirmDialog, busy } from "../ui.js";
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

// "192.0.2.0/24, 2001:db8::/32" or one per line → ["192.0.2.0/24", "2001:db8::/32"].
function networkList(text) {
  return String(text).split(/[\s,]+/).filter((x) => x !== "");
}

// A number input's value for the API: an integer as a number, anything else as
// typed (the server answers 422 naming the field), nothing when left empty.
function numberValue(input) {
  const text = input.value.trim();
  if (text === "") return undefined;
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

function firewallSection() {
  const box = h("div");
  const setsBox = h("div");

  const address = h("input", { type: "text", name: "address", required: true, placeholder: "198.51.100.7 or 2001:db8::7" });
  const minutes = h("input", { type: "number", name: "minutes", min: 1, max: 43200, step: 1, placeholder: "60" });
  const setChoice = select("set", [["blocked", "Block (drop everything)"], ["tarpit", "Tarpit (SMTP held, rest dropped)"]], "blocked");
  const note = h("input", { type: "text", name: "reason", maxlength: 100, placeholder: "optional" });
  const blockButton = h("button", { type: "submit", class: "primary" }, "Block");
  const blockForm = h("form", { class: "grid-form", "aria-label": "Block an address" },
    field("IP address", address), field("Duration (minutes)", minutes, "empty: one hour; at most 30 days"),
    field("How", setChoice), field("Reason", note), h("div", { class: "actions" }, blockButton));

  const maintenance = h("textarea", { name: "maintenance_networks", rows: 3, spellcheck: "false", placeholder: "none; one per line, e.g. 192.0.2.0/24" });
  const admin = h("textarea", { name: "admin_networks", rows: 3, spellcheck: "false", placeholder: "none; one per line, e.g. 198.51.100.0/24" });
  const smtpRate = h("input", { type: "number", name: "smtp_rate", step: 1 });
  const sshRate = h("input", { type: "number", name: "ssh_rate", step: 1 });
  const consoleRate = h("input", { type: "number", name: "console_rate", step: 1 });
  const consoleConnections = h("input", { type: "number", name: "console_connections", step: 1 });
  const blockTime = h("input", { type: "number", name: "block_time", step: 1 });
  const saveButton = h("button", { type: "submit", class: "primary" }, "Save firewall settings");
  const settingsForm = h("form", { class: "grid-form", "aria-label": "Firewall settings" },
    field("Maintenance networks", maintenance, "reach the console and SSH; never blocked"),
    field("Admin networks", admin, "reach the console and SSH too, but are blocked after repeated failed logins (0.0.0.0/0 and ::/0: everyone)"),
    field("SMTP connections a minute per source", smtpRate, "beyond it the source is blocked"),
    field("SSH connections a minute per source", sshRate),
    field("Console connections a minute per source", consoleRate),
    field("Console connections open at once per source", consoleConnections, "beyond it new ones are refused; a browser uses about six"),
    field("Block time (seconds)", blockTime, "how long a flooder or a failing login stays blocked"),
    h("div", { class: "actions" }, saveButton));

  function showSettings(fw) {
    const st = fw.settings || {};
    const limits = fw.limits || {};
    maintenance.value = (st.maintenance_networks || []).join("\n");
    admin.value = (st.admin_networks || []).join("\n");
    for (const [input, key] of [[smtpRate, "smtp_rate"], [sshRate, "ssh_rate"], [consoleRate, "console_rate"],
      [consoleConnections, "console_connections"], [blockTime, "block_time"]]) {
      input.value = String(st[key] ?? "");
      const range = limits[key] || {};
      if (range.min !== undefined) input.setAttribute("min", String(range.min));
      if (range.max !== undefined) input.setAttribute("max", String(range.max));
    }
  }

  function showSets(fw) {
    const p = fw.ports || {};
    replace(setsBox,
      h("p", { class: "muted" },
        `SMTP (port ${(p.smtp || []).join(", ")}) is open to everyone within its rate; the console (port ${String(p.console ?? "")}` +
        `${p.console_loopback ? ", loopback only" : ""}) and SSH (port ${String(p.ssh ?? "")}) only to the maintenance and admin networks.`),
      table([
        { label: "Address", cell: (b) => h("code", null, b.address) },
        { label: "Set", cell: (b) => h("span", { class: `badge ${b.set === "tarpit" ? "outcome-tagged" : "outcome-rejected"}` }, b.set) },
        { label: "Reason", cell: (b) => b.reason || "" },
        { label: "Reported by", cell: (b) => b.source || "" },
        { label: "Time left", cell: (b) => fmtAge(b.remaining) },
        { label: "Until", cell: (b) => fmtTime(b.until) },
        {
          label: "Actions",
          cell: (b) => h("button", {
            type: "button", class: "danger", "aria-label": `Unblock ${b.address}`,
            on: {
              click: async (e) => {
                const button = e.currentTarget;
                if (!(await confirmDialog(`Let ${b.address} in again?`, "Unblock"))) return;
                await busy(button, async () => {
                  await api.del(`/firewall/blocks/${encodeURIComponent(b.address)}`);
                  showNotice(`${b.address} unblocked.`);
                  await load();
                });
              },
            },
          }, "Unblock"),
        },
      ], fw.blocks || [], { empty: "No address is blocked or tarpitted.", caption: "Blocked and tarpitted addresses" }));
  }

  async function load(withSettings = false) {
    const fw = await api.get("/firewall");
    showSets(fw);
    if (withSettings) showSettings(fw);
  }

  blockForm.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(blockButton, async () => {
      const body = { address: address.value.trim(), set: setChoice.value };
      const m = numberValue(minutes);
      if (m !== undefined) body.seconds = typeof m === "number" ? m * 60 : m;
      if (note.value.trim()) body.reason = note.value.trim();
      const r = await api.post("/firewall/blocks", body);
      showNotice(`${r.address} ${r.set === "tarpit" ? "tarpitted" : "blocked"} for ${fmtAge(r.seconds)}.`);
      address.value = "";
      note.value = "";
      await load();
    });
  });
  settingsForm.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(saveButton, async () => {
      const body = {
        maintenance_networks: networkList(maintenance.value),
        admin_networks: networkList(admin.value),
      };
      for (const input of [smtpRate, sshRate, consoleRate, consoleConnections, blockTime]) {
        const v = numberValue(input);
        if (v !== undefined) body[input.name] = v;
      }
      const fw = await api.put("/firewall", body);
      showSets(fw);
      showSettings(fw);
      showNotice("Firewall settings saved; moat-firewall applies them within seconds.");
    });
  });

  replace(box,
    h("p", null, "moat-firewall keeps the box's packet filter; see ",
      h("a", { href: "/docs/firewall.md", target: "_blank", rel: "noopener" }, "docs/firewall.md"),
      " for what it lets in and why."),
    setsBox,
    h("h3", null, "Block an address"), blockForm,
    h("h3", null, "Networks and limits"), settingsForm);
  return { node: section("Firewall", box), load };
}

function backupSection() {
  const withLog = h("input", { type: "checkbox", name: "with_log" });
  const link = h("a", { class: "button primary", href: apiUrl("/system/backup"), download: "moat.backup", "data-backup": "download" }, "Download backup");
  withLog.addEventListener("change", () => {
    link.setAttribute("href", apiUrl(`/system/backup${withLog.checked ? "?with_log=true" : ""}`));
  });

  const file = h("input", { type: "file", name: "backup", accept: ".backup,application/octet-stream", required: true });
  const restoreButton = h("button", { type: "submit", class: "danger" }, "Restore…");
  const restoreForm = h("form", { class: "grid-form", "aria-label": "Restore a backup" },
    field("Backup file", file, "made by this page or moatctl backup"),
    h("div", { class: "actions" }, restoreButton));
  restoreForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    busy(restoreButton, async () => {
      const b = await api.postFile("/system/backup/check", chosen);
      const what = `${chosen.name}: made ${fmtTime(b.created)}, schema version ${b.schema_version}, ${fmtBytes(b.size)}, ` +
        `${b.with_log ? "with" : "without"} the message log.`;
      if (!(await confirmDialog(`${what} Restoring it replaces the domains, lists, settings, accounts and learnt data ` +
        "with the backup's, keeps the queue, and ends every console session (yours too).", "Restore"))) return;
      await api.postFile("/system/restore", chosen, { confirm: b.sha256 });
      window.dispatchEvent(new CustomEvent("moat:unauthorized", {
        detail: { message: "Backup restored. Log in with an account from the backup." },
      }));
    });
  });

  return section("Backup and restore", [
    h("p", null, "A backup holds the configuration and learnt data (domains, lists, valid addresses, settings, " +
      "zones, accounts and tokens, the content classifier, greylisting and reputation), the same file as ",
      h("code", null, "moatctl backup"), "; the message log and archive index only when asked (the archived messages " +
      "themselves never). It holds password hashes: keep it safe."),
    h("div", { class: "grid-form" },
      field("Include the message log and archive index", withLog),
      h("div", { class: "actions" }, link)),
    h("h3", null, "Restore"),
    h("p", { class: "muted" }, "The file is checked completely first; a damaged file or one from a newer Moat is refused and changes nothing."),
    restoreForm,
  ]);
}

export async function render(view) {
  const firewall = firewallSection();
  const [s] = await Promise.all([api.get("/system"), firewall.load(true)]);
  view.append(pageHeader("System"));
  view.append(section("Services", table([
    { label: "Service", cell: (x) => x.name },
    { label: "State", cell: (x) => h("span", { class: `badge state-${x.state === "running" ? "running" : x.state === "stopped" ? "stopped" : "unknown"}` }, x.state) },
    { label: "Detail", cell: (x) => x.detail || "" },
    { label: "Last heartbeat", cell: (x) => fmtTime(x.heartbeat) },
  ], s.services || [], { empty: "No service has reported yet." })));
  view.append(firewall.node);

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

  view.append(backupSection());
}
