// Scenario: repeated failed logins lock the account, and the login form says so.
// Env: MOAT_LOCK_USER, MOAT_LOCK_PASSWORD (an account of its own, so the lock hurts no other scenario).
import { run, step, env, BASE, screenshot, errorText, assert } from "./lib.mjs";

const USER = env("MOAT_LOCK_USER");
const PASSWORD = env("MOAT_LOCK_PASSWORD");

async function attempt(page, password) {
  const form = page.getByRole("form", { name: "Log in" });
  await form.getByLabel("Name").fill(USER);
  await form.getByLabel("Password").fill(password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/v1/login")),
    form.getByRole("button", { name: "Log in" }).click(),
  ]);
  assert.notEqual(response.status(), 200, "a wrong or locked login succeeded");
  const alert = page.locator("#messages [role=alert] .text");
  await alert.waitFor();
  return alert.innerText();
}

run(async (t) => {
  const { page } = t;
  await page.goto(`${BASE}/`);
  let locked = 0;
  await step(t, "wrong passwords are refused, then the account is locked", async () => {
    for (let i = 1; i <= 8 && !locked; i++) {
      const text = await attempt(page, `wrong-password-${i}`);
      if (/locked/i.test(text)) locked = i;
      else assert.match(text, /./, "a refused login shows the server's reason");
    }
    assert.ok(locked >= 2 && locked <= 6, `locked after ${locked} attempts (expected after 5 failures)`);
    await screenshot(page, "lockout");
  });
  await step(t, "while locked even the right password is refused", async () => {
    const text = await attempt(page, PASSWORD);
    assert.match(text, /locked/i);
    assert.equal(await page.getByRole("button", { name: "Log out" }).count(), 0);
    assert.ok(await errorText(page));
  });
});
