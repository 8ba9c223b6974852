// The setup wizard that the one-time first-run link opens (issue 13): five steps
// in order — the first administrator, the first protected domain and its
// backend, the maintenance networks, DNS blocklists, a test message to the
// backend — each saved through the same API routes the other pages use
// (POST /first-run, POST /domains, PUT /firewall, POST /zones,
// POST /domains/{id}/test-message). Every step but the first may be skipped;
// the last lands on the dashboard.
//
// Step 1 runs without a session (renderAdminStep, called by the app shell for
// #/first-run/<token>); it logs the new administrator in. Steps 2 to 5 are
// #/setup/<step> pages of an administrator (render), so a reload goes on
// where it was. Everything shown is built with h(): the backend's replies, the
// list names and their terms reach the page as text only.

import { api, request } from "../api.js";
import { h, replace, field, select, newPasswordFields } from "../dom.js";
import { showNotice, showError, clearMessages, busy } from "../ui.js";

export const STEPS = [
  { id: "admin", title: "Administrator" },
  { id: "domain", title: "First domain" },
  { id: "networks", title: "Maintenance networks" },
  { id: "blocklists", title: "DNS blocklists" },
  { id: "test", title: "Test message" },
];

// The domain added in step 2, for step 5 (after a reload: the first domain).
let addedDomain = null;
// What a step saved, shown on the next one (navigating clears the banner).
let carried = "";

export function carryNotice(message) {
  carried = message;
}

function next(ctx, id) {
  const i = STEPS.findIndex((s) => s.id === id);
  ctx.navigate(i + 1 < STEPS.length ? `#/setup/${STEPS[i + 1].id}` : "#/dashboard");
}

// The wizard's frame: which step of how many, the steps as a list, the content.
function frame(id, intro, ...content) {
  const i = STEPS.findIndex((s) => s.id === id);
  return h("section", { class: "card wizard", "aria-label": "Setup" },
    h("p", { class: "muted wizard-count" }, `Setting up Moat — step ${i + 1} of ${STEPS.length}`),
    h("ol", { class: "steps", "aria-label": "Setup steps" }, STEPS.map((s, n) => h("li", {
      class: n < i ? "done" : null,
      "aria-current": n === i ? "step" : null,
    }, s.title))),
    h("h1", null, STEPS[i].title),
    intro ? h("p", null, intro) : null,
    ...content);
}

function stepButtons(id, ctx, primaryLabel) {
  return h("div", { class: "actions" },
    h("button", { type: "submit", class: "primary" }, primaryLabel),
    h("button", { type: "button", on: { click: () => { clearMessages(); next(ctx, id); } } }, "Skip"));
}

// --- 1. the administrator (no session yet) ----------------------------------

export function renderAdminStep(main, token, onCreated) {
  document.title = "Setup — Moat";
  const name = h("input", { type: "text", name: "name", autocomplete: "username", required: true });
  const { password, fields, differ } = newPasswordFields("password", "Password", "Repeat password");
  const submit = h("button", { type: "submit", class: "primary" }, "Create administrator");
  const form = h("form", { class: "grid-form", "aria-label": "Create the first administrator" },
    field("Name", name),
    ...fields,
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearMessages();
    if (differ()) {
      showError("The two passwords differ.");
      return;
    }
    submit.disabled = true;
    try {
      const res = await request("POST", "/first-run", { body: { token, name: name.value, password: password.value }, quiet401: true });
      onCreated(res);
    } catch (err) {
      showError(err.message);
      submit.disabled = false;
    }
  });
  replace(main, frame("admin",
    "This one-time link creates the console's first administrator and then helps you set up the gateway. " +
    "Every later step can be skipped and done afterwards on the console's pages.",
    form));
  name.focus();
}

// --- 2. the first domain and its backend -------------------------------------

async function domainStep(view, ctx) {
  const existing = await api.get("/domains");
  const name = h("input", { type: "text", name: "name", required: true, placeholder: "example.com" });
  const backend = h("input", { type: "text", name: "backend", required: true, placeholder: "mail.internal.example:25" });
  const form = h("form", { class: "grid-form", "aria-label": "First domain" },
    field("Domain name", name, "A domain whose MX records will point at this gateway."),
    field("Internal mail host", backend, "Where accepted mail for it is delivered: host or host:port (port 25 when left out)."),
    stepButtons("domain", ctx, "Save and continue"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(form.querySelector("button[type=submit]"), async () => {
      const d = await api.post("/domains", { name: name.value.trim(), backend: backend.value.trim() });
      addedDomain = d;
      carryNotice(`Domain ${d.name} added; mail for it goes to ${d.backend}.`);
      next(ctx, "domain");
    });
  });
  view.append(frame("domain",
    "Moat accepts mail for the domains it protects and delivers it to each domain's own mail server (the backend).",
    existing.length
      ? h("p", { class: "muted" }, "Already protected: ", existing.map((d) => d.name).join(", "), ". Add another or skip.")
      : null,
    form));
  name.focus();
}

// --- 3. maintenance networks --------------------------------------------------

function networkList(text) {
  return String(text).split(/[\s,]+/).filter((x) => x !== "");
}

function hostNetwork(address) {
  return address.includes(":") ? `${address}/128` : `${address}/32`;
}

async function networksStep(view, ctx) {
  const fw = await api.get("/firewall");
  const caller = fw.caller || {};
  const networks = h("textarea", {
    name: "maintenance_networks", rows: 4, spellcheck: "false", placeholder: "one per line, e.g. 192.0.2.0/24",
  });
  networks.value = ((fw.settings || {}).maintenance_networks || []).join("\n");
  const where = h("p", { role: "status", "aria-label": "Your address" });

  function showWhere(c) {
    const parts = [`You are connecting from ${c.address || "an unknown address"}`];
    if (c.loopback) {
      replace(where, ...parts, " (loopback, which the firewall always lets in).");
    } else if (c.maintenance) {
      replace(where, ...parts, ", inside the maintenance networks.");
    } else {
      replace(where, ...parts, ". ", h("span", { class: "warn-text" },
        c.admin
          ? "It is not inside the maintenance networks (only in the admin networks): logins from it can be blocked after failures."
          : "It is not inside the maintenance networks: once they are set, the firewall will no longer let this browser reach the console. Add it, or its network."));
    }
  }
  showWhere(caller);

  const addMine = h("button", {
    type: "button",
    on: {
      click: () => {
        const mine = hostNetwork(caller.address || "");
        const list = networkList(networks.value);
        if (caller.address && !list.includes(mine)) networks.value = [...list, mine].join("\n");
      },
    },
  }, "Add my address");
  addMine.hidden = !caller.address;

  const form = h("form", { class: "grid-form", "aria-label": "Maintenance networks" },
    field("Maintenance networks", networks, "Networks (CIDR) from which the console and SSH may be reached; never blocked."),
    h("div", { class: "actions" }, addMine),
    stepButtons("networks", ctx, "Save and continue"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(form.querySelector("button[type=submit]"), async () => {
      const saved = await api.put("/firewall", { maintenance_networks: networkList(networks.value) });
      const c = saved.caller || {};
      showWhere(c);
      if (c.maintenance || c.loopback) {
        carryNotice("Maintenance networks saved; moat-firewall applies them within seconds.");
        next(ctx, "networks");
      } else {
        showNotice("Maintenance networks saved, but your own address is not in them (see above). Skip to go on anyway.");
      }
    });
  });
  const ports = fw.ports || {};
  view.append(frame("networks",
    `The appliance's firewall lets the console (port ${String(ports.console ?? "")}) and SSH (port ${String(ports.ssh ?? "")}) ` +
    "be reached only from the maintenance and admin networks; SMTP stays open to everyone. " +
    "Until a network is set, moat-firewall changes nothing. Admin networks and rate limits are on the System page.",
    where, form));
}

// --- 4. DNS blocklists -------------------------------------------------------------

const KIND_LABELS = { dnsbl: "client address", rhsbl: "sender domain and HELO name", uribl: "links in the message" };

async function blocklistsStep(view, ctx) {
  const known = await api.get("/zones/known");
  const boxes = [];
  const choices = known.map((k) => {
    const box = h("input", { type: "checkbox", name: k.zone, checked: !!k.added, disabled: !!k.added });
    box.id = `zone-${k.zone.replace(/[^a-z0-9]+/gi, "-")}`;
    boxes.push([box, k]);
    return h("div", { class: "choice" },
      box,
      h("div", null,
        h("label", { for: box.id }, h("strong", null, k.name), " ", h("code", null, k.zone),
          ` — ${KIND_LABELS[k.kind] || k.kind}`, k.added ? " (in use)" : ""),
        h("p", { class: "hint" }, `Lists ${k.lists}.`),
        h("p", { class: "hint terms" }, "Terms: ", k.terms)));
  });
  const form = h("form", { "aria-label": "DNS blocklists" },
    h("fieldset", { class: "choices" }, h("legend", null, "Blocklists to query"), choices),
    stepButtons("blocklists", ctx, "Save and continue"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(form.querySelector("button[type=submit]"), async () => {
      const added = [];
      for (const [box, k] of boxes) {
        if (!box.checked || k.added) continue;
        await api.post("/zones", { kind: k.kind, zone: k.zone, weight: k.weight, mask: k.mask, url: k.url, note: k.name });
        added.push(k.zone);
        k.added = true;
        box.disabled = true;
      }
      if (added.length) carryNotice(`Now querying ${added.join(", ")}.`);
      next(ctx, "blocklists");
    });
  });
  view.append(frame("blocklists",
    "Public blocklists name the addresses and domains that send spam. None is used until you choose it: " +
    "read each list's terms first. Most refuse queries that arrive through public resolvers (8.8.8.8, 1.1.1.1, 9.9.9.9), " +
    "so the gateway needs a resolver of its own ([dns] servers; the appliance runs unbound). " +
    "More zones, weights and answer masks on the Settings page.",
    form));
}

// --- 5. a test message to the backend --------------------------------------------

function replyText(step) {
  if (step.code === null || step.code === undefined) return step.text || "no reply";
  return [String(step.code), step.enhanced, step.text].filter((x) => x).join(" ");
}

async function testStep(view, ctx) {
  const domains = await api.get("/domains");
  const finish = h("button", { type: "button", on: { click: () => { ctx.navigate("#/dashboard"); } } }, "Finish");
  if (!domains.length) {
    view.append(frame("test", "No domain is protected yet, so there is no backend to test. Add one on the Domains page.",
      h("div", { class: "actions" }, finish)));
    return;
  }
  const current = (addedDomain && domains.find((d) => d.id === addedDomain.id)) || domains[0];
  const domain = select("domain", domains.map((d) => [d.id, `${d.name} (${d.backend})`]), current.id);
  const to = h("input", { type: "text", name: "to", autocomplete: "off" });
  const placeholder = () => {
    const d = domains.find((x) => String(x.id) === domain.value);
    to.setAttribute("placeholder", d ? `postmaster@${d.name}` : "");
  };
  domain.addEventListener("change", placeholder);
  placeholder();
  const result = h("div", { class: "test-result" });
  const send = h("button", { type: "submit", class: "primary" }, "Send test message");
  const form = h("form", { class: "grid-form", "aria-label": "Test message" },
    field("Domain", domain),
    field("Recipient", to, "An address of that domain; empty: its postmaster."),
    h("div", { class: "actions" }, send, finish));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(send, async () => {
      replace(result, h("p", { class: "muted" }, "Sending…"));
      const r = await api.post(`/domains/${encodeURIComponent(domain.value)}/test-message`, to.value.trim() ? { to: to.value.trim() } : {});
      const outcome = replyText(r.outcome || {});
      replace(result,
        h("p", { role: "status", "aria-label": "Test result", class: r.delivered ? "yes" : "warn-text" },
          r.delivered
            ? `Delivered: ${r.backend} accepted the test message to ${r.to} (${outcome}).`
            : `Not delivered to ${r.to} through ${r.backend}: ${outcome}.`),
        h("table", { class: "data smtp-steps", "aria-label": "SMTP dialogue" },
          h("thead", null, h("tr", null,
            h("th", { scope: "col" }, "Step"), h("th", { scope: "col" }, "Sent"), h("th", { scope: "col" }, "Reply"))),
          h("tbody", null, (r.steps || []).map((s) => h("tr", { class: s.code === null || s.code >= 400 ? "bad" : null },
            h("td", null, s.step), h("td", null, h("code", null, s.sent || "")), h("td", { class: "reply" }, replyText(s)))))),
        h("p", { class: "muted" }, `From ${r.from}${r.tls ? ", over TLS" : ""}. Press Finish to go to the dashboard.`));
      finish.classList.add("primary");
    });
  });
  view.append(frame("test",
    "Check the message path now: the gateway connects to the domain's backend, sends a small test message " +
    "from its postmaster and shows each reply (connect, EHLO, MAIL, RCPT, DATA).",
    form, result));
}

const RENDERERS = { domain: domainStep, networks: networksStep, blocklists: blocklistsStep, test: testStep };

export async function render(view, ctx) {
  const id = ctx.params[0] || "domain";
  const step = RENDERERS[id];
  if (!step) {
    ctx.navigate("#/setup/domain");
    return;
  }
  await step(view, ctx);
  if (carried) showNotice(carried);
  carried = "";
}
