// Scenario: the one-time first-run link creates the first administrator.
// Env: MOAT_FIRST_RUN_TOKEN (from moat-webui's log), MOAT_USER, MOAT_PASSWORD.
import { run, step, env, BASE, screenshot, noError, assert } from "./lib.mjs";

run(async (t) => {
  const { page } = t;
  await step(t, "first-run page creates the administrator", async () => {
    await page.goto(`${BASE}/#/first-run/${env("MOAT_FIRST_RUN_TOKEN")}`);
    const form = page.getByRole("form", { name: "Create the first administrator" });
    await form.getByLabel("Name").fill(env("MOAT_USER"));
    await form.getByLabel("Password", { exact: true }).fill(env("MOAT_PASSWORD"));
    await form.getByLabel("Repeat password").fill(env("MOAT_PASSWORD"));
    await screenshot(page, "00-first-run");
    await form.getByRole("button", { name: "Create administrator" }).click();
    await page.getByRole("form", { name: "Log in" }).waitFor();
    await noError(page);
    assert.match(await page.locator("#messages").innerText(), /created/);
  });
  await step(t, "the new administrator logs in", async () => {
    const form = page.getByRole("form", { name: "Log in" });
    await form.getByLabel("Name").fill(env("MOAT_USER"));
    await form.getByLabel("Password").fill(env("MOAT_PASSWORD"));
    await form.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await noError(page);
  });
  await step(t, "the link works only once", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("form", { name: "Log in" }).waitFor();
    await page.goto(`${BASE}/#/first-run/${env("MOAT_FIRST_RUN_TOKEN")}`);
    const form = page.getByRole("form", { name: "Create the first administrator" });
    await form.getByLabel("Name").fill("second-admin");
    await form.getByLabel("Password", { exact: true }).fill("another-password-1");
    await form.getByLabel("Repeat password").fill("another-password-1");
    await form.getByRole("button", { name: "Create administrator" }).click();
    await page.locator("#messages [role=alert]").waitFor();
  });
});
