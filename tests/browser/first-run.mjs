// Scenario: the one-time first-run link opens the setup wizard and an
// administrator walks it — creates the account (and is logged in), adds the
// first domain with its backend, sets the maintenance networks with its own
// address, sees the known DNS blocklists with none preselected and chooses one,
// sends a test message to the backend and reads the SMTP dialogue, then lands
// on the dashboard. The link works only once; the new account logs in.
// Env: MOAT_FIRST_RUN_TOKEN (from moat-webui's log), MOAT_USER, MOAT_PASSWORD,
// MOAT_WIZARD_DOMAIN, MOAT_WIZARD_BACKEND (host:port of a real smtp-sink).
import { run, step, env, BASE, screenshot, noError, errorText, everyControlLabelled, waitUntil, assert } from "./lib.mjs";

const DOMAIN = env("MOAT_WIZARD_DOMAIN");
const BACKEND = env("MOAT_WIZARD_BACKEND");

run(async (t) => {
  const { page } = t;
  const main = page.locator("main");
  const heading = (name) => page.getByRole("heading", { name, exact: true });
  const currentStep = () => main.locator("ol.steps li[aria-current=step]").innerText();

  await step(t, "first-run link: step 1 creates the administrator and logs it in", async () => {
    await page.goto(`${BASE}/#/first-run/${env("MOAT_FIRST_RUN_TOKEN")}`);
    const form = page.getByRole("form", { name: "Create the first administrator" });
    assert.equal(await currentStep(), "Administrator");
    await form.getByLabel("Name").fill(env("MOAT_USER"));
    await form.getByLabel("Password", { exact: true }).fill(env("MOAT_PASSWORD"));
    await form.getByLabel("Repeat password").fill(env("MOAT_PASSWORD"));
    await everyControlLabelled(page);
    await screenshot(page, "00-setup-1-administrator");
    await form.getByRole("button", { name: "Create administrator" }).click();
    await heading("First domain").waitFor();
    assert.equal(new URL(page.url()).hash, "#/setup/domain", "the used link is replaced in the history");
    await page.getByRole("button", { name: "Log out" }).waitFor();
    await page.getByRole("status").filter({ hasText: "created; you are logged in" }).waitFor();
    await noError(page);
  });

  await step(t, "step 2: the first domain and its backend", async () => {
    const form = page.getByRole("form", { name: "First domain" });
    await form.getByLabel("Domain name").fill(DOMAIN);
    await form.getByLabel("Internal mail host").fill(BACKEND);
    await everyControlLabelled(page);
    await screenshot(page, "00-setup-2-domain");
    await form.getByRole("button", { name: "Save and continue" }).click();
    await heading("Maintenance networks").waitFor();
    await page.getByRole("status").filter({ hasText: `Domain ${DOMAIN} added` }).waitFor();
    await noError(page);
  });

  await step(t, "step 3: maintenance networks with the administrator's own address", async () => {
    const where = page.getByRole("status", { name: "Your address" });
    assert.match(await where.innerText(), /connecting from 127\.0\.0\.1 \(loopback/);
    const form = page.getByRole("form", { name: "Maintenance networks" });
    await form.getByRole("button", { name: "Add my address" }).click();
    assert.equal(await form.getByLabel("Maintenance networks").inputValue(), "127.0.0.1/32");
    await form.getByLabel("Maintenance networks").fill("192.0.2.0/24\nnot-a-network");
    await form.getByRole("button", { name: "Save and continue" }).click();
    await waitUntil(async () => /not-a-network/.test(await errorText(page)), 10000, "the 422 for a bad network");
    assert.equal(await currentStep(), "Maintenance networks", "a refused value keeps the step");
    await page.locator("#messages [role=alert] button").click();
    await form.getByLabel("Maintenance networks").fill("192.0.2.0/24");
    await form.getByRole("button", { name: "Add my address" }).click();
    assert.equal(await form.getByLabel("Maintenance networks").inputValue(), "192.0.2.0/24\n127.0.0.1/32");
    await screenshot(page, "00-setup-3-networks");
    await form.getByRole("button", { name: "Save and continue" }).click();
    await heading("DNS blocklists").waitFor();
    await noError(page);
  });

  await step(t, "step 4: the known blocklists, none preselected, each with its terms", async () => {
    const form = page.getByRole("form", { name: "DNS blocklists" });
    const boxes = form.getByRole("checkbox");
    await boxes.first().waitFor();
    assert.ok((await boxes.count()) >= 4);
    for (let i = 0; i < (await boxes.count()); i++) assert.equal(await boxes.nth(i).isChecked(), false, "nothing preselected");
    const text = await form.innerText();
    assert.match(text, /Spamhaus ZEN zen\.spamhaus\.org/);
    assert.match(text, /non-commercial/);
    assert.match(text, /public resolvers/);
    await everyControlLabelled(page);
    await screenshot(page, "00-setup-4-blocklists");
    await form.getByLabel(/SpamCop/).check();
    await form.getByRole("button", { name: "Save and continue" }).click();
    await heading("Test message").waitFor();
    await page.getByRole("status").filter({ hasText: "Now querying bl.spamcop.net" }).waitFor();
    await noError(page);
  });

  await step(t, "step 5: a test message to the backend, step by step", async () => {
    const form = page.getByRole("form", { name: "Test message" });
    assert.match(await form.getByLabel("Domain").locator("option:checked").innerText(), new RegExp(DOMAIN.replace(/[.]/g, "\\.")));
    assert.equal(await form.getByLabel("Recipient").getAttribute("placeholder"), `postmaster@${DOMAIN}`);
    await form.getByLabel("Recipient").fill("someone@elsewhere.test");
    await form.getByRole("button", { name: "Send test message" }).click();
    await waitUntil(async () => /must be an address of/.test(await errorText(page)), 10000, "the 422 for another domain");
    await page.locator("#messages [role=alert] button").click();
    await form.getByLabel("Recipient").fill("");
    await form.getByRole("button", { name: "Send test message" }).click();
    const result = page.getByRole("status", { name: "Test result" });
    await result.waitFor();
    assert.match(await result.innerText(), new RegExp(`^Delivered: ${BACKEND.replace(/[.]/g, "\\.")} accepted the test message to postmaster@`));
    const dialogue = page.getByRole("table", { name: "SMTP dialogue" });
    const steps = await dialogue.locator("tbody tr td:first-child").allInnerTexts();
    assert.deepEqual(steps.slice(0, 6), ["connect", "EHLO", "MAIL", "RCPT", "DATA", "end of data"]);
    assert.match(await dialogue.locator("tbody tr").nth(3).innerText(), /RCPT TO:<postmaster@.*>\s+250/);
    assert.match(await dialogue.locator("tbody tr").nth(4).innerText(), /354/);
    await noError(page);
    await screenshot(page, "00-setup-5-test-message");
    await form.getByRole("button", { name: "Finish" }).click();
    await heading("Dashboard").waitFor();
    await noError(page);
  });

  await step(t, "the link works only once; the new administrator logs in", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("form", { name: "Log in" }).waitFor();
    await page.goto(`${BASE}/#/first-run/${env("MOAT_FIRST_RUN_TOKEN")}`);
    const again = page.getByRole("form", { name: "Create the first administrator" });
    await again.getByLabel("Name").fill("second-admin");
    await again.getByLabel("Password", { exact: true }).fill("another-password-1");
    await again.getByLabel("Repeat password").fill("another-password-1");
    await again.getByRole("button", { name: "Create administrator" }).click();
    await page.locator("#messages [role=alert]").waitFor();
    await page.goto(`${BASE}/#/login`);
    const login = page.getByRole("form", { name: "Log in" });
    await login.getByLabel("Name").fill(env("MOAT_USER"));
    await login.getByLabel("Password").fill(env("MOAT_PASSWORD"));
    await login.getByRole("button", { name: "Log in" }).click();
    await heading("Dashboard").waitFor();
    await noError(page);
  });
});
