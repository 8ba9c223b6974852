// The app shell: session start, login / logout, the first-run link (the setup
// wizard's first step, pages/setup.js), navigation by role, and hash routing
// (#/dashboard, #/log/42, #/first-run/<token>, #/setup/<step>, ...).
//
// Every page module exports render(view, ctx): view is a fresh <div> already in
// the page, ctx = {user, params, navigate}. Navigating away replaces the view, so
// a slow page that finishes late writes into a detached element and does no harm.
// What a role may see is decided by the API; the nav only hides what would 403.

import { api, request, setCsrf, ApiError } from "./api.js";
import { h, replace, field } from "./dom.js";
import { showError, showNotice, clearMessages } from "./ui.js";
import * as dashboard from "./pages/dashboard.js";
import * as domains from "./pages/domains.js";
import * as lists from "./pages/lists.js";
import * as validAddresses from "./pages/valid-addresses.js";
import * as relays from "./pages/relays.js";
import * as messageLog from "./pages/message-log.js";
import * as archive from "./pages/archive.js";
import * as settings from "./pages/settings.js";
import * as system from "./pages/system.js";
import * as users from "./pages/users.js";
import * as audit from "./pages/audit.js";
import * as setup from "./pages/setup.js";

const ROUTES = [
  { path: "dashboard", label: "Dashboard", page: dashboard, admin: true },
  { path: "domains", label: "Domains", page: domains },
  { path: "lists", label: "Lists", page: lists },
  { path: "valid-addresses", label: "Valid addresses", page: validAddresses },
  { path: "relays", label: "Relays", page: relays, admin: true },
  { path: "log", label: "Message log", page: messageLog },
  { path: "archive", label: "Archive", page: archive },
  { path: "settings", label: "Settings", page: settings, admin: true },
  { path: "system", label: "System", page: system, admin: true },
  { path: "users", label: "Users & tokens", domainLabel: "Account & tokens", page: users },
  { path: "audit", label: "Audit", page: audit, admin: true },
  { path: "setup", label: "Setup", page: setup, admin: true, hidden: true },  // the wizard, not in the nav
];

const state = { user: null };

const main = () => document.getElementById("main");

function isAdmin() {
  return state.user && state.user.role === "admin";
}

function visibleRoutes() {
  return ROUTES.filter((r) => !r.admin || isAdmin());
}

function defaultPath() {
  return isAdmin() ? "dashboard" : "log";
}

function parseHash() {
  const raw = decodeURIComponent((location.hash || "").replace(/^#\/?/, ""));
  const [path, ...params] = raw.split("/").filter((p) => p !== "");
  return { path: path || "", params };
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function renderNav(current) {
  const nav = document.getElementById("nav");
  const account = document.getElementById("account");
  if (!state.user) {
    replace(nav);
    replace(account);
    return;
  }
  replace(nav, h("ul", null, visibleRoutes().filter((r) => !r.hidden).map((r) => h("li", null,
    h("a", {
      href: `#/${r.path}`,
      "aria-current": r.path === current ? "page" : null,
    }, !isAdmin() && r.domainLabel ? r.domainLabel : r.label)))));
  const role = isAdmin() ? "administrator" : "domain administrator";
  replace(account,
    h("span", { class: "who" }, h("strong", null, state.user.name), ` (${role})`),
    h("button", { type: "button", class: "link", on: { click: logout } }, "Log out"));
}

async function route() {
  const { path, params } = parseHash();
  clearMessages();
  if (path === "first-run") {
    renderNav(null);
    setup.renderAdminStep(main(), params[0] || "", (res) => {
      startSession(res);
      setup.carryNotice(`Administrator ${res.user.name} created; you are logged in.`);
      location.replace("#/setup/domain");  // the used link leaves the history
    });
    return;
  }
  if (!state.user) {
    renderNav(null);
    renderLogin();
    return;
  }
  const r = visibleRoutes().find((x) => x.path === path);
  if (!r) {
    location.replace(`#/${defaultPath()}`);
    return;
  }
  renderNav(r.path);
  const view = h("div", { class: "view" });
  replace(main(), view);
  document.title = `${!isAdmin() && r.domainLabel ? r.domainLabel : r.label} — Moat`;
  try {
    await r.page.render(view, { user: state.user, params, navigate, isAdmin: isAdmin() });
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) showError(e.message || String(e));
  }
}

function renderLogin(message) {
  document.title = "Log in — Moat";
  const name = h("input", { type: "text", name: "name", autocomplete: "username", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const code = h("input", { type: "text", name: "totp", autocomplete: "one-time-code" });
  const codeField = field("Code from your authenticator app (or a recovery code)", code);
  codeField.hidden = true;
  const submit = h("button", { type: "submit", class: "primary" }, "Log in");
  const form = h("form", { class: "login card", "aria-label": "Log in" },
    h("h1", null, "Moat console"),
    field("Name", name),
    field("Password", password),
    codeField,
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearMessages();
    submit.disabled = true;
    try {
      const body = { name: name.value, password: password.value };
      if (!codeField.hidden && code.value.trim()) body.totp = code.value.trim();
      const res = await request("POST", "/login", { body, quiet401: true });
      startSession(res);
      const { path } = parseHash();
      if (!path || path === "login" || path === "first-run") location.replace(`#/${defaultPath()}`);
      else route();
    } catch (err) {
      if (err.secondFactor) {
        codeField.hidden = false;
        showNotice(err.message);
        code.focus();
        return;
      }
      if (err.status === 429) {
        showError(`Login locked: ${err.message}`);
      } else {
        showError(err.message);
      }
      password.value = "";
      code.value = "";
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  replace(main(), form);
  if (message) showNotice(message);
  name.focus();
}

function startSession(res) {
  state.user = res.user;
  setCsrf(res.csrf);
}

async function logout() {
  try {
    await api.post("/logout");
  } catch (e) {
    // the session may already be gone; the login form follows either way
  }
  state.user = null;
  setCsrf("");
  history.replaceState(null, "", "#/login");
  route();
  showNotice("Logged out.");
}

// detail: the server's error text, or { message } when the console itself ended the session (a restore).
window.addEventListener("moat:unauthorized", (e) => {
  if (!state.user) return;
  state.user = null;
  setCsrf("");
  renderNav(null);
  const own = e.detail && typeof e.detail === "object" && typeof e.detail.message === "string";
  renderLogin(own ? e.detail.message : "Your session has ended. Log in again.");
});

window.addEventListener("hashchange", route);

async function start() {
  try {
    startSession(await request("GET", "/session", { quiet401: true }));
  } catch (e) {
    state.user = null;
    if (!(e instanceof ApiError && e.status === 401)) showError(e.message);
  }
  route();
}

start();
