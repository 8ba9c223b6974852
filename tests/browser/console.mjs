// Scenario: an administrator's day — log in, add a domain, add a white-list
// entry (and paste more), paste valid addresses and see the count, find the
// refused (GTUBE) message in the archive and release it, create a domain
// administrator and check what that role sees; change the firewall's settings
// on the System page, download a backup there and see a damaged one refused
// before anything changes; a screenshot of every main page.
// Env (besides lib.mjs's): MOAT_NEW_DOMAIN, MOAT_NEW_BACKEND, MOAT_GTUBE_SUBJECT,
// MOAT_DOMAIN_ADMIN, MOAT_DOMAIN_ADMIN_PASSWORD. Prints "RELEASED <queue id>"
// and "BACKUP <file>" (the downloaded backup, in MOAT_ARTIFACTS).
import fs from "node:fs";
import path from "node:path";
import { run, step, env, login, goto, screenshot, noError, noScriptRan, everyControlLabelled, waitUntil, assert, ARTIFACTS } from "./lib.mjs";

const DOMAIN = env("MOAT_NEW_DOMAIN");
const BACKEND = env("MOAT_NEW_BACKEND");
const SUBJECT = env("MOAT_GTUBE_SUBJECT");
const DADMIN = env("MOAT_DOMAIN_ADMIN");
const DADMIN_PASSWORD = env("MOAT_DOMAIN_ADMIN_PASSWORD");

run(async (t) => {
  const { page } = t;
  const main = page.locator("main");

  await step(t, "log in", async () => {
    await login(page);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await main.locator("svg.chart").waitFor();
    await noError(page);
    await screenshot(page, "01-dashboard");
  });

  await step(t, "dashboard 30-day range", async () => {
    await page.getByRole("button", { name: "Last 30 days" }).click();
    await page.getByRole("img", { name: /last 30 days/ }).waitFor();
    await noError(page);
  });

  await step(t, "add a domain", async () => {
    await goto(page, "domains");
    const form = page.getByRole("form", { name: "Add domain" });
    await form.getByLabel("Domain name").fill(DOMAIN);
    await form.getByLabel("Internal mail host").fill(BACKEND);
    await form.getByLabel("List validation").check();
    await form.getByRole("button", { name: "Add domain" }).click();
    await page.getByRole("status").filter({ hasText: `Domain ${DOMAIN} added` }).waitFor();
    const row = main.getByRole("row").filter({ hasText: DOMAIN });
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(BACKEND.replace(/[.]/g, "\\.")));
    await noError(page);
    await screenshot(page, "02-domains");
  });

  await step(t, "add a white-list entry", async () => {
    await goto(page, "lists");
    await page.getByLabel("Scope").selectOption({ label: DOMAIN });
    await page.getByLabel("List", { exact: true }).selectOption("allow");
    const form = page.getByRole("form", { name: "Add an entry" });
    await form.getByLabel("Kind").selectOption("sender");
    await form.getByLabel("Value").fill("friend@partner.test");
    await form.getByLabel("Note").fill("added by the browser test");
    await form.getByRole("button", { name: "Add entry" }).click();
    const row = main.getByRole("row").filter({ hasText: "friend@partner.test" });
    await row.waitFor();
    assert.match(await row.innerText(), /added by the browser test/);
    await row.getByRole("button", { name: "Edit note of friend@partner.test" }).click();
    await row.getByRole("textbox", { name: "Note of friend@partner.test" }).fill("our partner's sales desk");
    await row.getByRole("button", { name: "Save" }).click();
    await row.getByText("our partner's sales desk").waitFor();
    await noError(page);
  });

  await step(t, "paste a white list", async () => {
    const form = page.getByRole("form", { name: "Bulk add" });
    await form.getByLabel("Kind").selectOption("sender_domain");
    await form.getByLabel("Values, one per line").fill("partner-one.test\npartner-two.test\nnot a domain!\n");
    await form.getByRole("button", { name: "Add all" }).click();
    await form.getByText(/Added 2 entries, 1 not added/).waitFor();
    await main.getByRole("row").filter({ hasText: "partner-two.test" }).waitFor();
    await screenshot(page, "03-lists");
  });

  await step(t, "paste valid addresses and see the count", async () => {
    await goto(page, "valid-addresses");
    await page.getByLabel("Domain", { exact: true }).selectOption({ label: DOMAIN });
    await page.getByRole("status", { name: "Address count" }).filter({ hasText: "0 valid addresses" }).waitFor();
    await page.getByLabel("Addresses", { exact: true }).fill(
      `Alice@${DOMAIN.toUpperCase()}\nbob@${DOMAIN}\nalice@${DOMAIN}\ncarol@${DOMAIN}\n`);
    await page.getByRole("button", { name: "Replace list" }).click();
    await page.getByRole("status", { name: "Address count" }).filter({ hasText: "3 valid addresses" }).waitFor();
    await page.getByRole("searchbox", { name: "Address contains" }).fill("bob");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const items = page.getByRole("list", { name: "Matching addresses" }).getByRole("listitem");
    await waitUntil(async () => (await items.count()) === 1, 15000, "the search to show one address");
    assert.equal(await items.first().innerText(), `bob@${DOMAIN}`);
    await noError(page);
    await screenshot(page, "04-valid-addresses");
  });

  let detailUrl = "";
  await step(t, "find the refused message in the archive", async () => {
    await goto(page, "archive");
    const filters = page.getByRole("form", { name: "Search the archive" });
    await filters.getByLabel("Subject").fill(SUBJECT);
    await filters.getByLabel("Outcome").selectOption("rejected");
    await filters.getByRole("button", { name: "Search" }).click();
    const row = main.getByRole("row").filter({ hasText: SUBJECT });
    await row.waitFor();
    assert.match(await row.innerText(), /rejected/);
    await screenshot(page, "05-archive");
    await row.getByRole("link").click();
    await page.getByRole("heading", { name: "Archived message" }).waitFor();
    detailUrl = page.url();
    assert.match(await main.locator("pre.headers").innerText(), new RegExp(`Subject: ${SUBJECT}`));
    assert.match(await main.locator("pre.body").first().innerText(), /GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL/);
    const download = main.getByRole("link", { name: "Download .eml" });
    const href = await download.getAttribute("href");
    assert.match(href, /^\/api\/v1\/archive\/\d+\/eml$/);
    const eml = await page.request.get(new URL(href, page.url()).href); // with the page's session cookie
    assert.equal(eml.status(), 200);
    assert.match(eml.headers()["content-type"], /^message\/rfc822/);
    assert.match(eml.headers()["content-disposition"], /^attachment/);
    assert.match(await eml.text(), /GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL/);
    await noError(page);
    await screenshot(page, "06-archive-message");
  });

  await step(t, "release it", async () => {
    await main.getByRole("button", { name: "Release" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm" });
    await dialog.getByRole("button", { name: "Release" }).click();
    const status = page.getByRole("status", { name: "Release status" });
    await status.filter({ hasText: /Released\.|Release failed/ }).waitFor({ timeout: 60000 });
    const text = await status.innerText();
    const m = text.match(/Queued as (\S+?)\.?$/m);
    assert.ok(m && !/failed/.test(text), `release did not succeed: ${text}`);
    console.log(`RELEASED ${m[1]}`);
    await screenshot(page, "07-released");
  });

  await step(t, "the released message is marked in the archive", async () => {
    assert.equal(page.url(), detailUrl);
    await page.reload();
    await page.getByRole("heading", { name: "Archived message" }).waitFor();
    await main.locator("dd").filter({ hasText: /^yes/ }).first().waitFor();
    await noError(page);
  });

  await step(t, "message log and a decision", async () => {
    await goto(page, "log");
    const filters = page.getByRole("form", { name: "Search the message log" });
    await filters.getByLabel("Subject").fill(SUBJECT);
    await filters.getByRole("button", { name: "Search" }).click();
    const row = main.getByRole("row").filter({ hasText: SUBJECT }).first();
    await row.waitFor();
    await screenshot(page, "08-message-log");
    await row.click();
    await page.getByRole("heading", { name: "Message decision" }).waitFor();
    const checks = main.locator("table.checks");
    await checks.waitFor();
    assert.match(await checks.innerText(), /gtube/i);
    await noError(page);
    await screenshot(page, "09-message-decision");
  });

  for (const [route, heading, shot] of [
    ["relays", "Relays", "10-relays"], ["settings", "Settings", "11-settings"], ["system", "System", "12-system"],
    ["users", "Users and API tokens", "13-users"], ["audit", "Audit log", "14-audit"],
  ]) {
    await step(t, `${heading} page`, async () => {
      await goto(page, route);
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
      await page.waitForLoadState("networkidle");
      await noError(page);
      await noScriptRan(page);
      await everyControlLabelled(page);
      await screenshot(page, shot);
    });
  }

  await step(t, "firewall settings on the System page", async () => {
    await goto(page, "system");
    const form = page.getByRole("form", { name: "Firewall settings" });
    await form.getByLabel("SMTP connections a minute per source").waitFor();
    assert.equal(await main.getByRole("link", { name: "docs/firewall.md" }).getAttribute("href"), "/docs/firewall.md");
    // The browser holds a number out of range back (the server's range as min/max) ...
    await form.getByLabel("SMTP connections a minute per source").fill("0");
    assert.equal(await form.getByLabel("SMTP connections a minute per source").evaluate((el) => el.checkValidity()), false);
    // ... and the server names what it refuses.
    await form.getByLabel("SMTP connections a minute per source").fill("45");
    await form.getByLabel("Maintenance networks").fill("192.0.2.0/24\nnot-a-network");
    await form.getByRole("button", { name: "Save firewall settings" }).click();
    await page.getByRole("alert").filter({ hasText: "not-a-network" }).waitFor();
    await page.getByRole("alert").getByRole("button", { name: "Dismiss" }).click();
    await form.getByLabel("Maintenance networks").fill("192.0.2.0/24\n2001:db8::/48");
    // SSH and the console each have their own rate.
    await form.getByLabel("SSH connections a minute per source").fill("12");
    await form.getByLabel("Console connections a minute per source").fill("14");
    await form.getByRole("button", { name: "Save firewall settings" }).click();
    await page.getByRole("status").filter({ hasText: "Firewall settings saved" }).waitFor();
    await page.reload();
    await form.getByLabel("SMTP connections a minute per source").waitFor();
    assert.equal(await form.getByLabel("SMTP connections a minute per source").inputValue(), "45");
    assert.equal(await form.getByLabel("SSH connections a minute per source").inputValue(), "12");
    assert.equal(await form.getByLabel("Console connections a minute per source").inputValue(), "14");
    assert.equal(await form.getByLabel("Console connections open at once per source").inputValue(), "16");
    assert.equal(await form.getByLabel("Maintenance networks").inputValue(), "192.0.2.0/24\n2001:db8::/48");
    await noError(page);
  });

  await step(t, "download a backup from the System page", async () => {
    await goto(page, "system");
    const card = main.locator("section").filter({ has: page.getByRole("heading", { name: "Backup and restore" }) });
    await card.getByLabel("Include the message log and archive index").check();
    assert.match(await card.getByRole("link", { name: "Download backup" }).getAttribute("href"), /with_log=true$/);
    await card.getByLabel("Include the message log and archive index").uncheck();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      card.getByRole("link", { name: "Download backup" }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^moat-\d{8}-\d{6}\.backup$/);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, "console.backup");
    await download.saveAs(file);
    const bytes = fs.readFileSync(file);
    assert.equal(bytes.subarray(0, 8).toString("latin1"), "MOATBAK\n");
    assert.equal(bytes.readUInt32BE(12), 0, "the backup carries the log though it was not asked to");
    console.log(`BACKUP ${file}`);

    // A damaged copy is refused at the check, before any confirmation: nothing changes.
    const damaged = Buffer.from(bytes);
    damaged[damaged.length - 10] ^= 0xff;
    await card.getByLabel("Backup file").setInputFiles({ name: "damaged.backup", mimeType: "application/octet-stream", buffer: damaged });
    await card.getByRole("button", { name: "Restore…" }).click();
    await page.getByRole("alert").filter({ hasText: "SHA-256" }).waitFor();
    assert.equal(await page.locator("dialog.confirm").count(), 0);
    await page.getByRole("alert").getByRole("button", { name: "Dismiss" }).click();
    await screenshot(page, "12b-system-backup");
    await noError(page);
  });

  await step(t, "change a setting", async () => {
    await goto(page, "settings");
    await page.getByLabel("Show settings containing").fill("tag_phrase");
    const value = page.getByLabel("Value of content.tag_phrase");
    await value.fill("[Checked by browser]");
    await page.getByRole("button", { name: "Save content.tag_phrase" }).click();
    await page.getByRole("status").filter({ hasText: "content.tag_phrase = [Checked by browser]" }).waitFor();
    await page.reload();
    await page.getByLabel("Value of content.tag_phrase").waitFor();
    assert.equal(await page.getByLabel("Value of content.tag_phrase").inputValue(), "[Checked by browser]");
    await noError(page);
  });

  await step(t, "add and delete a DNS zone", async () => {
    const form = page.getByRole("form", { name: "Add DNS zone" });
    await form.getByLabel("Kind").selectOption("dnsbl");
    await form.getByLabel("Zone").fill("bl.browser.test");
    await form.getByLabel("Weight").fill("2.5");
    await form.getByRole("button", { name: "Add zone" }).click();
    const row = main.getByRole("row").filter({ hasText: "bl.browser.test" });
    await row.waitFor();
    await row.getByRole("button", { name: "Delete bl.browser.test" }).click();
    await page.getByRole("dialog", { name: "Confirm" }).getByRole("button", { name: "Delete" }).click();
    await row.waitFor({ state: "detached" });
    await noError(page);
  });

  await step(t, "add a relay network", async () => {
    await goto(page, "relays");
    const form = page.getByRole("form", { name: "Add relay network" });
    await form.getByLabel("Network (CIDR)").fill("192.0.2.0/24");
    await form.getByLabel("Note").fill("branch office");
    await form.getByRole("button", { name: "Add network" }).click();
    await main.getByRole("row").filter({ hasText: "192.0.2.0/24" }).waitFor();
    await noError(page);
  });

  await step(t, "audit log records the release", async () => {
    await goto(page, "audit");
    await main.getByRole("row").filter({ hasText: /release/i }).first().waitFor();
  });

  await step(t, "create an API token (secret shown once)", async () => {
    await goto(page, "users");
    const form = page.getByRole("form", { name: "Create API token" });
    await form.getByLabel("Token name").fill("browser-test");
    await form.getByRole("button", { name: "Create token" }).click();
    const secret = page.getByLabel("New token");
    await secret.waitFor();
    assert.ok((await secret.inputValue()).length >= 16, "token secret too short");
    await main.getByRole("row").filter({ hasText: "browser-test" }).waitFor();
  });

  await step(t, "create a domain administrator", async () => {
    const form = page.getByRole("form", { name: "Add user" });
    await form.getByLabel("User name").fill(DADMIN);
    await form.getByLabel("Password").fill(DADMIN_PASSWORD);
    await form.getByLabel("Role").selectOption("domain_admin");
    await form.getByLabel(DOMAIN, { exact: true }).check();
    await form.getByRole("button", { name: "Add user" }).click();
    const row = main.getByRole("row").filter({ hasText: DADMIN });
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(DOMAIN.replace(/[.]/g, "\\.")));
    await noError(page);
  });

  await step(t, "a domain administrator sees only its pages and its domain", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("form", { name: "Log in" }).waitFor();
    await login(page, DADMIN, DADMIN_PASSWORD);
    const nav = page.getByRole("navigation", { name: "Main" });
    const links = await nav.getByRole("link").allInnerTexts();
    assert.deepEqual(links, ["Domains", "Lists", "Valid addresses", "Message log", "Archive", "Account & tokens"]);
    await goto(page, "domains");
    const rows = main.locator("tbody tr");
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().innerText(), new RegExp(DOMAIN.replace(/[.]/g, "\\.")));
    assert.equal(await page.getByRole("form", { name: "Add domain" }).count(), 0);
    await goto(page, "lists");
    const scopes = await page.getByLabel("Scope").locator("option").allInnerTexts();
    assert.deepEqual(scopes, [DOMAIN]);
    await noError(page);
    await screenshot(page, "15-domain-admin");
  });
});
