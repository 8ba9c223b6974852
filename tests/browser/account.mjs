// Scenario: a user's own account in the console, and an administrator's
// token list. The account (an administrator made by the Python side) changes
// its password on the Users & tokens page, turns on two-factor login there
// (reads the secret from the page, shows the QR code, confirms with a TOTP
// code, is shown ten recovery codes), revokes another user's API token from
// "Every account's API tokens", logs out, and logs back in with the new
// password and a code.
// Env: MOAT_ACC_USER, MOAT_ACC_PASSWORD, MOAT_ACC_NEW_PASSWORD, MOAT_ACC_TOKEN
// (the name of the other user's token), MOAT_ACC_TOKEN_OWNER.
import { run, step, env, BASE, screenshot, assert, totp, goto, noError } from "./lib.mjs";

const USER = env("MOAT_ACC_USER");
const PASSWORD = env("MOAT_ACC_PASSWORD");
const NEW_PASSWORD = env("MOAT_ACC_NEW_PASSWORD");
const TOKEN = env("MOAT_ACC_TOKEN");
const OWNER = env("MOAT_ACC_TOKEN_OWNER");

// A code is accepted once, and only for a step later than the last one used:
// the enrolment is confirmed with the previous step's code (within the one
// step of drift the gateway allows), so the login's current code is fresh
// without waiting for the next step. Not in a step's last 3 seconds, so that
// the code is still within the drift when it arrives.
async function previousStepCode(secret) {
  const into = Date.now() % 30000;
  if (into > 27000) await new Promise((r) => setTimeout(r, 30000 - into + 100));
  return totp(secret, Date.now() / 1000 - 30);
}

run(async (t) => {
  const { page } = t;
  await page.goto(`${BASE}/`);
  const login = page.getByRole("form", { name: "Log in" });
  await login.getByLabel("Name").fill(USER);
  await login.getByLabel("Password").fill(PASSWORD);
  await login.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("button", { name: "Log out" }).waitFor();
  await goto(page, "users");

  await step(t, "change one's own password", async () => {
    const form = page.getByRole("form", { name: "Change your password" });
    await form.getByLabel("Current password").fill(PASSWORD);
    await form.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await form.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
    await form.getByRole("button", { name: "Change password" }).click();
    await page.getByText(/Password changed/).waitFor();
    await noError(page);
  });

  let secret = "";
  await step(t, "turn on two-factor login: QR code, secret, confirm, recovery codes", async () => {
    await page.getByRole("button", { name: "Turn on two-factor login" }).click();
    await page.getByRole("img", { name: /QR code/ }).waitFor();
    secret = await page.getByLabel("Secret").inputValue();
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    const form = page.getByRole("form", { name: "Confirm two-factor login" });
    await form.getByLabel("Code from the app").fill(await previousStepCode(secret));
    await form.getByRole("button", { name: "Confirm" }).click();
    await page.getByText(/Two-factor login is on/).first().waitFor();
    assert.equal(await page.locator("ul.recovery-codes li").count(), 10);
    await screenshot(page, "account-recovery-codes");
  });

  await step(t, "revoke another user's API token", async () => {
    const button = page.getByRole("button", { name: `Revoke token ${TOKEN} of ${OWNER}` });
    await button.click();
    await page.getByRole("dialog", { name: "Confirm" }).getByRole("button", { name: "Revoke" }).click();
    await page.getByText(`Token ${TOKEN} of ${OWNER} revoked.`).waitFor();
    await button.waitFor({ state: "detached" });  // the list reloaded without it
  });

  await step(t, "log out, log in with the new password and a code", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await login.waitFor();
    await login.getByLabel("Name").fill(USER);
    await login.getByLabel("Password").fill(NEW_PASSWORD);
    await login.getByRole("button", { name: "Log in" }).click();
    await login.getByLabel(/authenticator app/).waitFor();
    await login.getByLabel(/authenticator app/).fill(totp(secret));
    await login.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("button", { name: "Log out" }).waitFor();
  });
});
