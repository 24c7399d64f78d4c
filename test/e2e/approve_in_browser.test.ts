/**
 * Held sends approved in a real browser: the real server process (stdio, an MCP client WITHOUT
 * elicitation, as Claude Desktop), the WhatsApp simulator, and Chromium (playwright-core) on the
 * server's /approve page. The simulated contact decrypts exactly the held text; a declined send
 * and a file changed after holding never reach anyone; a send held before a restart is still
 * there after it and is sent once.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import type { Browser, Page } from "playwright-core";
import type { FakeContact } from "../sim/index.ts";
import { makePng, type ServerRun, startWorld, until, type World } from "./harness.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ARTIFACTS = resolve(process.cwd(), "test-artifacts", "e2e");
const haveChromium = existsSync(CHROMIUM);
const skip = haveChromium ? false : `chromium not found at ${CHROMIUM} (apt-get install -y chromium)`;
if (skip && process.env.CI) {
  test("chromium is installed (required in CI)", () => assert.fail(`CI is set but ${CHROMIUM} is missing: install Debian's chromium`));
} else if (skip) {
  console.error(`approval browser tests skipped: ${skip}; with CI set this is a failure`);
}

const DAVE = "15551239001";
const EVE = "15551239002";
const TEXT = {
  first: "Hi Dave, it is me.\u200b Are we still on for      Saturday?",
  declined: "Eve, this one will be declined",
  afterRestart: "Eve, this one was held across a restart",
  caption: "the picture, before it changed",
};

describe("held sends approved on /approve in a real browser", { skip }, () => {
  let w: World;
  let run: ServerRun;
  let dave: FakeContact;
  let eve: FakeContact;
  let browser: Browser;
  let page: Page;

  /** POSTs approve again from the browser's context (its cookies), as a second click or a replayed form would. */
  const approveAgain = async (id: string, csrf: string) => {
    const base = `http://127.0.0.1:${run.port}`;
    return (await page.request.post(`${base}/approve/${id}/approve`, { form: { csrf }, headers: { origin: base } })).status();
  };

  const connected = async () =>
    await until("connected", async () => ((await run.call("check_bridge_status")).connected ? true : null), 60_000);

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    w = await startWorld({ initialHistory: { conversations: [] } });
    dave = w.sim.contact(DAVE, { name: "Dave Doe" });
    eve = w.sim.contact(EVE, { name: "Eve Evans" });
    run = await w.startServer(); // no elicitation capability, like Claude Desktop
    const qr = await until("a QR on /api/status", async () => (await run.apiStatus()).link?.qr);
    await w.sim.phone.scanQr(qr);
    await connected();
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await (await browser.newContext({ viewport: { width: 1000, height: 900 }, deviceScaleFactor: 1 })).newPage();
  });

  after(async () => {
    await browser?.close();
    await w?.close();
  });

  test("a first contact is held; approved in the browser, the contact decrypts exactly the held text", async () => {
    const held = await run.call("send_message", { recipient: DAVE, message: TEXT.first });
    assert.equal(held.status, "awaiting_approval");
    assert.deepEqual(dave.received(), []);

    await page.goto(held.approval_url);
    const shown = await page.locator("pre.held-text").textContent();
    assert.equal(shown, "Hi Dave, it is me.⟨U+200B⟩ Are we still on for ⟨6 spaces⟩ Saturday?");
    assert.match((await page.locator(".reason").textContent()) ?? "", /first contact/);
    await page.screenshot({ path: join(ARTIFACTS, "approve-page.png"), fullPage: true });
    await page.getByRole("button", { name: "Approve and send" }).click();
    await page.getByText(/Sent \(message id/).waitFor();

    const status = await run.call("get_send_status", { approval_id: held.approval_id });
    assert.equal(status.status, "sent");
    const got = await dave.waitForMessage((x) => x.id === status.message_id);
    assert.equal(got.text, TEXT.first);
    assert.equal(dave.received().length, 1);
  });

  test("declined in the browser: reported as declined, never sent", async () => {
    const held = await run.call("send_message", { recipient: EVE, message: TEXT.declined });
    await page.goto(held.approval_url);
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    await page.getByRole("button", { name: "Decline" }).click();
    await page.getByText(/Declined: it will not be sent/).waitFor();
    assert.equal((await run.call("get_send_status", { approval_id: held.approval_id })).status, "declined");
    assert.equal(await approveAgain(held.approval_id, csrf), 409, "a declined send cannot be approved later");
    assert.deepEqual(eve.received(), []);
  });

  test("an image changed after it was held is refused on approval", async () => {
    const path = join(w.mediaDir, "picture.png");
    writeFileSync(path, makePng(40, 30));
    const held = await run.call("send_file", { recipient: EVE, media_path: path, caption: TEXT.caption });
    await page.goto(held.approval_url);
    await page.locator("img.thumb").waitFor();
    assert.ok(await page.locator("img.thumb").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth === 40));
    writeFileSync(path, makePng(41, 30));
    await page.getByRole("button", { name: "Approve and send" }).click();
    await page.locator(".feedback").getByText(/changed after the send was held/).waitFor();
    assert.equal((await run.call("get_send_status", { approval_id: held.approval_id })).status, "failed");
    assert.deepEqual(eve.received(), []);
  });

  test("a send held before a restart is still there after it, and is sent once", async () => {
    const held = await run.call("send_message", { recipient: EVE, message: TEXT.afterRestart });
    assert.equal(await run.stop(), 0);
    run = await w.startServer();
    await connected();
    const pending = await run.call("list_pending_sends");
    assert.deepEqual(pending.pending.map((p: { approval_id: string }) => p.approval_id), [held.approval_id]);
    await page.goto(`http://127.0.0.1:${run.port}/approve`);
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    await page.getByRole("button", { name: "Approve and send" }).click();
    await page.getByText(/Sent \(message id/).waitFor();
    const status = await run.call("get_send_status", { approval_id: held.approval_id });
    const got = await eve.waitForMessage((x) => x.id === status.message_id);
    assert.equal(got.text, TEXT.afterRestart);
    assert.equal(await approveAgain(held.approval_id, csrf), 409, "approving again sends nothing");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(eve.received().length, 1);
  });
});
