// Scenario: an account with two-factor login on logs in through the form: the
// right password alone asks for the code, the TOTP code (RFC 6238, computed
// here from the enrolled secret) logs in.
// Env: MOAT_2FA_USER, MOAT_2FA_PASSWORD, MOAT_2FA_SECRET (base32, enrolled by the Python side).
import { run, step, env, BASE, screenshot, assert, totp } from "./lib.mjs";

const USER = env("MOAT_2FA_USER");
const PASSWORD = env("MOAT_2FA_PASSWORD");
const SECRET = env("MOAT_2FA_SECRET");

run(async (t) => {
  const { page } = t;
  await page.goto(`${BASE}/`);
  const form = page.getByRole("form", { name: "Log in" });
  await step(t, "the right password alone asks for the code", async () => {
    await form.getByLabel("Name").fill(USER);
    await form.getByLabel("Password").fill(PASSWORD);
    await form.getByRole("button", { name: "Log in" }).click();
    await form.getByLabel(/authenticator app/).waitFor();
    assert.equal(await page.getByRole("button", { name: "Log out" }).count(), 0);
    await screenshot(page, "two-factor-asked");
  });
  await step(t, "the TOTP code logs in", async () => {
    await form.getByLabel(/authenticator app/).fill(totp(SECRET));
    await form.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("button", { name: "Log out" }).waitFor();
  });
});
