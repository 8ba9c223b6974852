// Shared helpers for the browser tests: start Debian's chromium headless through
// playwright-core, log in, guard every page against script execution, and save
// screenshots as artifacts.
//
// The scenarios are plain Node scripts (node tests/browser/<name>.mjs) run by
// tests/integration/test_browser.py, which starts the real moat-smtpd and
// moat-webui and passes what the browser needs in the environment:
//   MOAT_URL        https://127.0.0.1:<port> of moat-webui (self-signed certificate)
//   MOAT_USER, MOAT_PASSWORD   an administrator account
//   MOAT_ARTIFACTS  directory for screenshots (default: ./browser-artifacts)
// A scenario exits 0 when every step passed, 1 otherwise (the first failure ends it).

import { createHmac } from "node:crypto";
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

export { assert };

export const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`environment variable ${name} is not set`);
  return v;
};

export const BASE = env("MOAT_URL", "https://127.0.0.1:8443").replace(/\/$/, "");
export const ARTIFACTS = env("MOAT_ARTIFACTS", path.resolve("browser-artifacts"));
const CHROMIUM = env("MOAT_CHROMIUM", "/usr/bin/chromium");

// Browser + context + page with the guards every scenario wants:
// - any alert/confirm/prompt (a script-opened dialog) is a failure;
// - uncaught page errors and CSP violations are failures (the console must run under its CSP);
// - window.__xss, set by the payloads' onerror handlers, must stay undefined (checked by noScriptRan).
export async function openBrowser() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("dialog", async (d) => {
    problems.push(`a ${d.type()} dialog fired: ${JSON.stringify(d.message())}`);
    await d.dismiss().catch(() => {});
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.setDefaultTimeout(15000);
  const t = {
    browser, context, page, problems,
    checkProblems() {
      assert.deepEqual(problems, [], `the page misbehaved:\n${problems.join("\n")}`);
    },
    async close() {
      await browser.close();
    },
  };
  return t;
}

let failed = false;
// Runs one named step; on failure saves a screenshot, reports and ends the scenario.
export async function step(t, name, fn) {
  const started = Date.now();
  try {
    await fn();
    t.checkProblems();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed = true;
    console.log(`FAIL ${name}: ${e.stack || e}`);
    await screenshot(t.page, `FAILED-${name}`).catch(() => {});
    throw e;
  }
}

export async function run(main) {
  let t = null;
  try {
    t = await openBrowser();
    await main(t);
  } catch (e) {
    if (!failed) console.log(`FAIL ${e.stack || e}`);
    process.exitCode = 1;
  } finally {
    if (t) await t.close().catch(() => {});
  }
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name.replace(/[^A-Za-z0-9_.-]+/g, "-")}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export async function login(page, name = env("MOAT_USER"), password = env("MOAT_PASSWORD")) {
  await page.goto(`${BASE}/`);
  const form = page.getByRole("form", { name: "Log in" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Password").fill(password);
  await form.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("button", { name: "Log out" }).waitFor();
}

export async function goto(page, route) {
  await page.goto(`${BASE}/#/${route}`);
  await page.locator("main .view").waitFor();
}

// The error banner's text, or "" when none is shown.
export async function errorText(page) {
  const alert = page.locator("#messages [role=alert]");
  return (await alert.count()) ? (await alert.first().innerText()) : "";
}

export async function noError(page) {
  const text = await errorText(page);
  assert.equal(text, "", `the console showed an error: ${text}`);
}

export async function noScriptRan(page) {
  const flag = await page.evaluate(() => window.__xss);
  assert.equal(flag, undefined, "a payload's script ran (window.__xss is set)");
}

// Every input, select and textarea on the page has an accessible name (a <label> or aria-label),
// and every button has text: the tests find controls by role and label, and so do screen readers.
export async function everyControlLabelled(page) {
  const unnamed = await page.evaluate(() => {
    const bad = [];
    for (const el of document.querySelectorAll("input, select, textarea")) {
      if (el.type === "hidden") continue;
      const named = (el.labels && el.labels.length) || el.getAttribute("aria-label");
      if (!named) bad.push(el.outerHTML.slice(0, 120));
    }
    for (const b of document.querySelectorAll("button")) {
      if (!(b.textContent.trim() || b.getAttribute("aria-label"))) bad.push(b.outerHTML.slice(0, 120));
    }
    return bad;
  });
  assert.deepEqual(unnamed, [], "controls without a label");
}

// Waits until fn() returns a truthy value (polling), like the Python fixtures' wait_until.
export async function waitUntil(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// RFC 6238 TOTP (SHA-1, 30 s, 6 digits) of a base32 secret, as an authenticator app computes it.
function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of text.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

export function totp(secret, when = Date.now() / 1000) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(when / 30)));
  const digest = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = digest[digest.length - 1] & 15;
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, "0");
}
