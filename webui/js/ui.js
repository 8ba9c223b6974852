// Shared page furniture: the error banner, notices, an in-page confirm dialog
// (a <dialog> element, not window.confirm, so it is styled, accessible by role
// and never confused with a script-opened alert), and page headings.

import { h, clear } from "./dom.js";

function banner() {
  return document.getElementById("messages");
}

export function clearMessages() {
  clear(banner());
}

// The API's {"error"} text (or any message), shown until dismissed or the next page.
export function showError(message) {
  const box = h("div", { class: "banner error", role: "alert" },
    h("span", { class: "text" }, String(message)),
    h("button", { type: "button", class: "link", on: { click: () => box.remove() } }, "Dismiss"));
  banner().appendChild(box);
  return box;
}

export function showNotice(message) {
  const box = h("div", { class: "banner notice", role: "status" },
    h("span", { class: "text" }, String(message)),
    h("button", { type: "button", class: "link", on: { click: () => box.remove() } }, "Dismiss"));
  banner().appendChild(box);
  return box;
}

// Resolves true when the operator confirms, false on cancel / Escape.
export function confirmDialog(message, okLabel = "OK") {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "confirm", "aria-label": "Confirm" });
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.appendChild(h("form", { method: "dialog" },
      h("p", null, message),
      h("div", { class: "actions" },
        h("button", { type: "button", on: { click: () => done(false) } }, "Cancel"),
        h("button", { type: "button", class: "primary danger", on: { click: () => done(true) } }, okLabel))));
    dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}

export function pageHeader(title, ...extra) {
  return h("div", { class: "page-header" }, h("h1", null, title), ...extra);
}

export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", null, title), ...children);
}

// Runs an async action from a button, disabling it meanwhile and showing errors.
export async function busy(button, action) {
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (e) {
    showError(e.message || String(e));
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}
