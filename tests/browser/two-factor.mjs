// Scenario: an account with two-factor login on logs in through the form: the
// right password alone asks for the code, the TOTP code (RFC 6238, computed
// here from the enrolled secret) logs in.
// Env: MOAT_2FA_USER, MOAT_2FA_PASSWORD, MOAT_2FA_SECRET (base32, enrolled by the Python side).
import { createHmac } from "node:crypto";
import { run, step, env, BASE, screenshot, assert } from "./lib.mjs";

const USER = env("MOAT_2FA_USER");
const PASSWORD = env("MOAT_2FA_PASSWORD");
const SECRET = env("MOAT_2FA_SECRET");

function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of text.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

function totp(secret, when = Date.now() / 1000) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(when / 30)));
  const digest = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = digest[digest.length - 1] & 15;
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, "0");
}

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
