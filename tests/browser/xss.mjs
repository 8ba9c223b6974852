// Scenario: mail whose Subject, From display name, attachment file name and
// Message-ID carry script payloads is shown inert in the message log and the
// archive, lists and details: no dialog fires, no payload script runs
// (window.__xss stays undefined), no element is made from the payloads (no <img>,
// no javascript: link), and the payload text is visible literally. Also: SQL
// metacharacters in every search field are just text.
// Env: MOAT_XSS_MARK (a word in every payload message's subject), MOAT_XSS_COUNT
// (how many such messages the log holds), MOAT_XSS_ARCHIVED (how many the archive holds).
import { run, step, env, login, goto, screenshot, noError, noScriptRan, assert } from "./lib.mjs";

const MARK = env("MOAT_XSS_MARK");
const COUNT = Number(env("MOAT_XSS_COUNT"));
const ARCHIVED = Number(env("MOAT_XSS_ARCHIVED"));
const PAYLOADS = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)"];

async function inert(page, where) {
  await noScriptRan(page);
  const main = page.locator("main");
  assert.equal(await main.locator("img, script, iframe, object, embed, svg image").count(), 0, `${where}: an element was made from a payload`);
  const links = await page.locator("a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  for (const href of links) assert.ok(/^(#|\/api\/v1\/)/.test(href), `${where}: link to ${href}`);
  await noError(page);
}

async function showsLiterally(page, where, texts) {
  const text = await page.locator("main").innerText();
  for (const p of texts) assert.ok(text.includes(p), `${where}: ${JSON.stringify(p)} is not shown literally`);
}

async function search(page, formName, mark) {
  const form = page.getByRole("form", { name: formName });
  await form.getByLabel("Subject").fill(mark);
  await form.getByRole("button", { name: "Search" }).click();
}

async function rowsWith(page, mark, n) {
  const rows = page.locator("main tbody tr").filter({ hasText: mark });
  await rows.nth(n - 1).waitFor();
  return rows;
}

run(async (t) => {
  const { page } = t;
  await step(t, "log in", () => login(page));

  await step(t, "message log list shows the payloads as text", async () => {
    await goto(page, "log");
    await search(page, "Search the message log", MARK);
    const rows = await rowsWith(page, MARK, COUNT);
    assert.equal(await rows.count(), COUNT);
    await page.waitForTimeout(500); // give any injected handler (onerror of a broken image) time to fire
    await inert(page, "log list");
    await showsLiterally(page, "log list", [PAYLOADS[0], "<img src=x onerror=\"window.__xss=1\">"]);
    await screenshot(page, "xss-01-log");
  });

  for (let i = 0; i < COUNT; i++) {
    await step(t, `message log decision ${i + 1} is inert`, async () => {
      await goto(page, "log");
      const rows = await rowsWith(page, MARK, COUNT);
      await rows.nth(i).click();
      await page.getByRole("heading", { name: "Message decision" }).waitFor();
      await page.waitForTimeout(500);
      await inert(page, `log detail ${i + 1}`);
      await showsLiterally(page, `log detail ${i + 1}`, [PAYLOADS[0], PAYLOADS[1], PAYLOADS[2]]);
      await screenshot(page, `xss-02-log-detail-${i + 1}`);
    });
  }

  await step(t, "archive list shows the payloads as text", async () => {
    await goto(page, "archive");
    await search(page, "Search the archive", MARK);
    const rows = await rowsWith(page, MARK, ARCHIVED);
    assert.equal(await rows.count(), ARCHIVED);
    await page.waitForTimeout(500);
    await inert(page, "archive list");
    await showsLiterally(page, "archive list", [PAYLOADS[0], PAYLOADS[1]]);
    await screenshot(page, "xss-03-archive");
  });

  for (let i = 0; i < ARCHIVED; i++) {
    await step(t, `archived message ${i + 1} is inert`, async () => {
      await goto(page, "archive");
      const rows = await rowsWith(page, MARK, ARCHIVED);
      await rows.nth(i).getByRole("link").click();
      await page.getByRole("heading", { name: "Archived message" }).waitFor();
      await page.waitForTimeout(500);
      await inert(page, `archive detail ${i + 1}`);
      // subject and From in the summary and headers, Message-ID, the attachment's file name,
      // and the HTML part shown as its text
      await showsLiterally(page, `archive detail ${i + 1}`, [...PAYLOADS, "window.__xss=1", ".html"]);
      const attachments = page.locator("main section").filter({ has: page.getByRole("heading", { name: "Attachments" }) });
      assert.ok((await attachments.innerText()).includes(PAYLOADS[1]), "attachment file name is not shown literally");
      await screenshot(page, `xss-04-archive-detail-${i + 1}`);
    });
  }

  await step(t, "SQL metacharacters in every search field are plain text", async () => {
    const nasty = "' OR 1=1 -- \" ; DROP TABLE message_log; %_\\";
    for (const [route, formName, fields] of [
      ["log", "Search the message log", [["Sender", "sender"], ["Recipient", "recipient"], ["Client IP", "client_ip"], ["Subject", "subject"]]],
      ["archive", "Search the archive", [["Sender", "sender"], ["Recipient", "recipient"], ["Client IP", "client_ip"], ["Subject", "subject"]]],
    ]) {
      const endpoint = new RegExp(`/api/v1/${route}\\?`);
      await goto(page, route);
      for (const [label, param] of fields) {
        const form = page.getByRole("form", { name: formName });
        await Promise.all([ // Reset searches too: wait for that answer, so it is not taken for the next
          page.waitForResponse((r) => endpoint.test(r.url()) && !r.url().includes(`${param}=`)),
          form.getByRole("button", { name: "Reset" }).click(),
        ]);
        await form.getByLabel(label).fill(nasty);
        const [response] = await Promise.all([
          page.waitForResponse((r) => endpoint.test(r.url()) && r.url().includes(`${param}=`)),
          form.getByRole("button", { name: "Search" }).click(),
        ]);
        assert.equal(response.status(), 200, `${route} search by ${label}: HTTP ${response.status()}`);
        assert.equal((await response.json()).entries.length, 0, `${route} search by ${label} matched something`);
        await page.locator("main tbody tr.empty").waitFor();
        await noError(page);
      }
    }
    // the data is still there afterwards
    await goto(page, "log");
    await search(page, "Search the message log", MARK);
    await rowsWith(page, MARK, COUNT);
  });
});
