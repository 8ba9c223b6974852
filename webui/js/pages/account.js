// The signed-in user's own account, on the Users & tokens page for every
// role: change one's password (PUT /password: other sessions end and API
// tokens are revoked, the server says how many) and two-factor login
// (GET /2fa, POST /2fa/enrol → secret, otpauth URI and a QR code as SVG made
// by the server, POST /2fa/confirm → ten recovery codes, shown once).
// Everything is built with h(); the QR code is shown as an <img> of the
// server's SVG (an image cannot run script), never inserted as markup.

import { api } from "../api.js";
import { h, replace, field, newPasswordFields } from "../dom.js";
import { section, showNotice, busy } from "../ui.js";

function passwordForm() {
  const current = h("input", { type: "password", name: "current", autocomplete: "current-password", required: true });
  const { password, again, fields, differ } = newPasswordFields("new_password", "New password", "Repeat the new password");
  const submit = h("button", { type: "submit", class: "primary" }, "Change password");
  const form = h("form", { class: "grid-form", "aria-label": "Change your password" },
    field("Current password", current),
    ...fields,
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (differ()) {
      again.setCustomValidity("The two passwords differ.");
      again.reportValidity();
      return;
    }
    again.setCustomValidity("");
    busy(submit, async () => {
      const r = await api.put("/password", { current: current.value, password: password.value });
      form.reset();
      showNotice(`Password changed. Your other sessions have ended` +
        (r.tokens_revoked ? ` and ${r.tokens_revoked} API token(s) were revoked.` : "."));
    });
  });
  again.addEventListener("input", () => again.setCustomValidity(""));
  return form;
}

function qrImage(svg) {
  const img = document.createElement("img");
  img.alt = "QR code of the two-factor secret";
  img.className = "qr-code";
  img.src = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(svg)));
  return img;
}

async function secondFactorBox(box) {
  const state = await api.get("/2fa");
  if (state.enabled) {
    replace(box,
      h("p", null, h("strong", null, "Two-factor login is on."),
        ` ${state.recovery_codes_left} recovery code(s) left.`),
      h("p", { class: "muted" }, "Lost the phone? A recovery code logs in once in place of a code; an administrator at the box can reset two-factor login with ",
        h("code", null, "moatctl user 2fa reset NAME"), "."));
    return;
  }
  const start = h("button", { type: "button", class: "primary" }, "Turn on two-factor login");
  replace(box,
    h("p", null, "Two-factor login is off", state.required ? " — it is required for your account: turn it on now." : "."),
    h("p", { class: "muted" }, "After the password, the console will ask for a 6-digit code from an authenticator app (RFC 6238 TOTP)."),
    start);
  start.addEventListener("click", () => busy(start, async () => {
    const enrol = await api.post("/2fa/enrol");
    const code = h("input", { type: "text", name: "totp_code", autocomplete: "one-time-code", required: true, maxlength: 6 });
    const confirm = h("button", { type: "submit", class: "primary" }, "Confirm");
    const form = h("form", { class: "grid-form", "aria-label": "Confirm two-factor login" },
      field("Code from the app", code), h("div", { class: "actions" }, confirm));
    replace(box,
      h("p", null, "Scan this QR code with the authenticator app, or type the secret into it:"),
      qrImage(enrol.qr_svg),
      field("Secret", h("input", { type: "text", readonly: true, value: enrol.secret, class: "secret", name: "totp_secret", spellcheck: "false" })),
      h("p", { class: "muted" }, "Then enter the code the app shows to confirm."),
      form);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      busy(confirm, async () => {
        const done = await api.post("/2fa/confirm", { code: code.value.trim() });
        const finished = h("button", { type: "button" }, "I have stored them");
        replace(box,
          h("div", { class: "banner notice secret-box", role: "status" },
            h("p", null, h("strong", null, "Two-factor login is on."),
              " Store these recovery codes somewhere safe — each logs in once without the phone. They are not shown again:"),
            h("ul", { class: "recovery-codes" }, done.recovery_codes.map((c) => h("li", null, h("code", null, c)))),
            finished));
        finished.addEventListener("click", () => secondFactorBox(box));
      });
    });
    code.focus();
  }));
}

// The "Your account" sections.
export async function accountSections() {
  const factorBox = h("div");
  const sections = [
    section("Your password",
      h("p", { class: "muted" }, "Changing it ends your other console sessions and revokes your API tokens."),
      passwordForm()),
    section("Two-factor login", factorBox),
  ];
  await secondFactorBox(factorBox);
  return sections;
}
