// Relays page (administrators): networks allowed to relay through Moat, and the
// POP-before-SMTP relayers currently allowed (GET/POST/DELETE /relay-networks, /pop-relayers).

import { api } from "../api.js";
import { h, replace, field, table } from "../dom.js";
import { pageHeader, section, showNotice, confirmDialog, busy } from "../ui.js";
import { fmtTime } from "../format.js";

export async function render(view) {
  const netBox = h("div");
  const popBox = h("div");

  const cidr = h("input", { type: "text", name: "cidr", required: true, placeholder: "192.0.2.0/24" });
  const note = h("input", { type: "text", name: "note" });
  const addNet = h("button", { type: "submit", class: "primary" }, "Add network");
  const netForm = h("form", { class: "grid-form", "aria-label": "Add relay network" },
    field("Network (CIDR)", cidr), field("Note", note), h("div", { class: "actions" }, addNet));

  const ip = h("input", { type: "text", name: "ip", required: true, placeholder: "198.51.100.7" });
  const addPop = h("button", { type: "submit", class: "primary" }, "Add relayer");
  const popForm = h("form", { class: "grid-form", "aria-label": "Add POP-before-SMTP relayer" },
    field("IP address", ip), h("div", { class: "actions" }, addPop));

  view.append(pageHeader("Relays"),
    section("Relay networks",
      h("p", { class: "muted" }, "Clients in these networks may send mail to any destination (outgoing mail)."),
      netBox, netForm),
    section("POP-before-SMTP relayers",
      h("p", { class: "muted" }, "Addresses that recently logged in to the POP server and may relay for a while."),
      popBox, popForm));

  async function loadNets() {
    const nets = await api.get("/relay-networks");
    replace(netBox, table([
      { label: "Network", cell: (n) => h("code", null, n.cidr) },
      { label: "Note", cell: (n) => n.note || "" },
      { label: "Added", cell: (n) => fmtTime(n.created) },
      {
        label: "Actions",
        cell: (n) => h("button", {
          type: "button", class: "danger", "aria-label": `Delete ${n.cidr}`,
          on: {
            click: async (e) => {
              const b = e.currentTarget;
              if (!(await confirmDialog(`Stop relaying for ${n.cidr}?`, "Delete"))) return;
              await busy(b, async () => { await api.del(`/relay-networks/${n.id}`); showNotice(`${n.cidr} deleted.`); await loadNets(); });
            },
          },
        }, "Delete"),
      },
    ], nets, { empty: "No relay networks." }));
  }

  async function loadPops() {
    const pops = await api.get("/pop-relayers");
    replace(popBox, table([
      { label: "IP address", cell: (p) => h("code", null, p.ip) },
      { label: "Since", cell: (p) => fmtTime(p.ts) },
      {
        label: "Actions",
        cell: (p) => h("button", {
          type: "button", class: "danger", "aria-label": `Delete ${p.ip}`,
          on: {
            click: async (e) => {
              const b = e.currentTarget;
              await busy(b, async () => { await api.del(`/pop-relayers/${encodeURIComponent(p.ip)}`); await loadPops(); });
            },
          },
        }, "Delete"),
      },
    ], pops, { empty: "No POP-before-SMTP relayers right now." }));
  }

  netForm.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(addNet, async () => {
      const n = await api.post("/relay-networks", { cidr: cidr.value.trim(), note: note.value });
      showNotice(`${n.cidr || cidr.value} added.`);
      cidr.value = "";
      note.value = "";
      await loadNets();
    });
  });
  popForm.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(addPop, async () => {
      await api.post("/pop-relayers", { ip: ip.value.trim() });
      ip.value = "";
      await loadPops();
    });
  });

  await Promise.all([loadNets(), loadPops()]);
}
