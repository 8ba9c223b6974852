// Users & tokens page. Everyone manages their own account (password,
// two-factor login: pages/account.js) and their own API tokens for scripts; a
// new token's secret is shown once (GET/POST/DELETE /tokens). Administrators
// also manage console accounts (role and, for domain administrators, their
// domains: /users) and see every account's tokens with their owner and can
// revoke any (GET /admin/tokens, DELETE /admin/tokens/{id}).

import { api } from "../api.js";
import { h, replace, field, select, table, checkbox } from "../dom.js";
import { pageHeader, section, showNotice, confirmDialog, busy } from "../ui.js";
import { fmtTime } from "../format.js";
import { accountSections } from "./account.js";

const ROLES = [["admin", "Administrator"], ["domain_admin", "Domain administrator"]];

function domainChoices(domains, chosen) {
  return h("fieldset", { class: "domain-choices" }, h("legend", null, "Domains (for domain administrators)"),
    domains.length ? domains.map((d) => field(d.name, h("input", { type: "checkbox", name: "domain", value: d.name, checked: chosen.includes(d.name) })))
      : h("p", { class: "muted" }, "No domains yet."));
}

function chosenDomains(form) {
  return [...form.querySelectorAll('input[name="domain"]')].filter((c) => c.checked).map((c) => c.value);
}

export async function render(view, ctx) {
  view.append(pageHeader(ctx.isAdmin ? "Users and API tokens" : "Your account and API tokens"));
  view.append(...(await accountSections()));
  const tokensBox = h("div");
  const secretBox = h("div");
  let usersBox = null;
  let editBox = null;
  let domains = [];

  if (ctx.isAdmin) {
    usersBox = h("div");
    editBox = h("div");
    domains = await api.get("/domains");
    view.append(section("Users", usersBox), editBox);
  }
  const allTokensBox = ctx.isAdmin ? h("div") : null;
  view.append(section("Your API tokens",
    h("p", { class: "muted" }, "Scripts send a token as ", h("code", null, "Authorization: Bearer <token>"), ". A token is shown once, when it is created."),
    secretBox, tokensBox, tokenForm()));
  if (ctx.isAdmin) {
    view.append(section("Every account's API tokens",
      h("p", { class: "muted" }, "Revoke a token that is lost or no longer needed; scripts using it stop working at once."),
      allTokensBox));
  }

  function userForm(user) {
    const editing = !!user;
    const name = h("input", { type: "text", name: "name", required: !editing, autocomplete: "off" });
    const password = h("input", { type: "password", name: "password", autocomplete: "new-password", required: !editing });
    const role = select("role", ROLES, user ? user.role : "domain_admin");
    const submit = h("button", { type: "submit", class: "primary" }, editing ? "Save user" : "Add user");
    const form = h("form", { class: "grid-form", "aria-label": editing ? `Edit user ${user.name}` : "Add user" },
      editing ? null : field("User name", name),
      field(editing ? "New password (empty: unchanged)" : "Password", password, "At least 10 characters."),
      field("Role", role),
      domainChoices(domains, user ? user.domains || [] : []),
      h("div", { class: "actions" }, submit,
        editing ? h("button", { type: "button", on: { click: showAdd } }, "Cancel") : null));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      busy(submit, async () => {
        const body = { role: role.value, domains: chosenDomains(form) };
        if (password.value) body.password = password.value;
        let saved;
        if (editing) saved = await api.put(`/users/${user.id}`, body);
        else saved = await api.post("/users", { name: name.value.trim(), ...body });
        showNotice(editing ? `User ${saved.name} saved.` : `User ${saved.name} added.`);
        showAdd();
        await loadUsers();
      });
    });
    return form;
  }

  function showAdd() {
    replace(editBox, section("Add a user", userForm(null)));
  }

  async function loadUsers() {
    const users = await api.get("/users");
    replace(usersBox, table([
      { label: "Name", cell: (u) => h("strong", null, u.name) },
      { label: "Role", cell: (u) => (u.role === "admin" ? "Administrator" : "Domain administrator") },
      { label: "Domains", cell: (u) => (u.role === "admin" ? "all" : (u.domains || []).join(", ")) },
      {
        label: "Actions",
        cell: (u) => h("div", { class: "row-actions" },
          h("button", {
            type: "button", "aria-label": `Edit ${u.name}`,
            on: { click: () => { replace(editBox, section(`Edit ${u.name}`, userForm(u))); editBox.scrollIntoView(); } },
          }, "Edit"),
          u.id === ctx.user.id ? null : h("button", {
            type: "button", class: "danger", "aria-label": `Delete ${u.name}`,
            on: {
              click: async (e) => {
                const b = e.currentTarget;
                if (!(await confirmDialog(`Delete the user ${u.name}? Their sessions and API tokens end.`, "Delete"))) return;
                await busy(b, async () => { await api.del(`/users/${u.id}`); showNotice(`User ${u.name} deleted.`); await loadUsers(); });
              },
            },
          }, "Delete")),
      },
    ], users));
  }

  function tokenForm() {
    const name = h("input", { type: "text", name: "token_name", required: true, placeholder: "backup script" });
    const create = h("button", { type: "submit", class: "primary" }, "Create token");
    const form = h("form", { class: "grid-form", "aria-label": "Create API token" },
      field("Token name", name), h("div", { class: "actions" }, create));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      busy(create, async () => {
        const t = await api.post("/tokens", { name: name.value.trim() });
        name.value = "";
        const secret = h("input", { type: "text", readonly: true, value: t.token, class: "secret", spellcheck: "false" });
        replace(secretBox, h("div", { class: "banner notice secret-box", role: "status" },
          h("p", null, `Token "${t.name}" created. Copy it now — it is not shown again:`),
          field("New token", secret),
          h("button", { type: "button", on: { click: () => replace(secretBox) } }, "I have copied it")));
        secret.select();
        await loadTokens();
      });
    });
    return form;
  }

  async function loadTokens() {
    const tokens = await api.get("/tokens");
    replace(tokensBox, table([
      { label: "Name", cell: (t) => t.name },
      { label: "Created", cell: (t) => fmtTime(t.created) },
      { label: "Last used", cell: (t) => (t.last_used ? fmtTime(t.last_used) : "never") },
      {
        label: "Actions",
        cell: (t) => h("button", {
          type: "button", class: "danger", "aria-label": `Delete token ${t.name}`,
          on: {
            click: async (e) => {
              const b = e.currentTarget;
              if (!(await confirmDialog(`Delete the token ${t.name}? Scripts using it stop working.`, "Delete"))) return;
              await busy(b, async () => { await api.del(`/tokens/${t.id}`); await loadTokens(); });
            },
          },
        }, "Delete"),
      },
    ], tokens, { empty: "No API tokens." }));
  }

  async function loadAllTokens() {
    const tokens = await api.get("/admin/tokens");
    replace(allTokensBox, table([
      { label: "Owner", cell: (t) => h("strong", null, t.owner || "") },
      { label: "Name", cell: (t) => t.name },
      { label: "Created", cell: (t) => fmtTime(t.created) },
      { label: "Last used", cell: (t) => (t.last_used ? fmtTime(t.last_used) : "never") },
      {
        label: "Actions",
        cell: (t) => h("button", {
          type: "button", class: "danger", "aria-label": `Revoke token ${t.name} of ${t.owner}`,
          on: {
            click: async (e) => {
              const b = e.currentTarget;
              if (!(await confirmDialog(`Revoke the token ${t.name} of ${t.owner}? Scripts using it stop working.`, "Revoke"))) return;
              await busy(b, async () => {
                await api.del(`/admin/tokens/${t.id}`);
                showNotice(`Token ${t.name} of ${t.owner} revoked.`);
                await Promise.all([loadAllTokens(), loadTokens()]);
              });
            },
          },
        }, "Revoke"),
      },
    ], tokens, { empty: "No API tokens." }));
  }

  const loads = [loadTokens()];
  if (ctx.isAdmin) {
    showAdd();
    loads.push(loadUsers(), loadAllTokens());
  }
  await Promise.all(loads);
}
