/**
 * The pages in a real browser (Debian's chromium driven by playwright-core): the app is served on
 * 127.0.0.1:0 with a controllable link-status provider; the test changes the state and watches the
 * pages follow without a reload. Screenshots go to test-artifacts/http/ (gitignored).
 *
 * Skips with a message when /usr/bin/chromium is missing, unless CI is set (then it fails).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import type { Browser, Page } from "playwright-core";
import { createHttpApp } from "../../src/http/app.ts";
import { qrSvg } from "../../src/http/qr-svg.ts";
import type { HttpDeps } from "../../src/http/types.ts";
import { serve } from "../../src/runtime/serve.ts";
import type { ServedApp } from "../../src/runtime/serve.ts";
import { fakeDeps, linkingStatus, openStatus, QR_1, QR_2, T0 } from "./fixtures.ts";
import type { FakeWorld } from "./fixtures.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ARTIFACTS = resolve(process.cwd(), "test-artifacts", "http");
const haveChromium = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI);
const skip = haveChromium ? false : `chromium not found at ${CHROMIUM} (apt-get install -y chromium)`;

if (skip && inCi) {
  test("chromium is installed (required in CI)", () => assert.fail(`CI is set but ${CHROMIUM} is missing: install Debian's chromium`));
} else if (skip) {
  console.error(`browser tests skipped: ${skip}; with CI set this is a failure`);
}

/** A served app over a FakeWorld, with a browser page that records CSP violations and navigations. */
interface Rig {
  world: FakeWorld;
  served: ServedApp;
  base: string;
  page: Page;
  violations: string[];
  navigations: number;
}

describe("pages in a real browser", { skip }, () => {
  let browser: Browser;
  const rigs: Rig[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  after(async () => {
    for (const r of rigs) await r.served.close();
    await browser?.close();
  });

  async function rig(extra: Partial<HttpDeps> = {}): Promise<Rig> {
    let port = 0;
    // Real time passing (the pages poll), starting at the fixtures' instant so ages read naturally.
    const started = Date.now();
    const { deps, world } = fakeDeps({ port: () => port, clock: { now: () => T0 + (Date.now() - started) }, ...extra });
    const served = await serve(createHttpApp(deps), { hostname: "127.0.0.1", port: 0 });
    port = served.port;
    const context = await browser.newContext({ viewport: { width: 1100, height: 860 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const r: Rig = { world, served, base: `http://127.0.0.1:${port}`, page, violations: [], navigations: 0 };
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) r.violations.push(m.text());
    });
    page.on("framenavigated", (f) => {
      if (f === page.mainFrame()) r.navigations++;
    });
    rigs.push(r);
    return r;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });

  test("/qr renders the QR as SVG, swaps it when WhatsApp rotates it, then shows Linked, all without a reload", async () => {
    const r = await rig();
    await r.page.goto(`${r.base}/qr`);
    const firstPath = await r.page.locator("#qr-box svg path").getAttribute("d");
    assert.ok(firstPath && firstPath.length > 100, "the QR SVG is in the page");
    const expected1 = /d="([^"]+)"/.exec(qrSvg(QR_1))![1];
    assert.equal(firstPath, expected1);
    const box = await r.page.locator("#qr-box svg").boundingBox();
    assert.ok(box && box.width > 200 && box.height > 200, `QR is drawn at a scannable size (${box?.width}x${box?.height})`);
    await shot(r.page, "qr-1.png");
    const navsAfterLoad = r.navigations;

    r.world.link = linkingStatus(QR_2);
    await r.page.waitForFunction(() => document.querySelector("#qr-box")?.getAttribute("data-rev") === "1");
    const secondPath = await r.page.locator("#qr-box svg path").getAttribute("d");
    assert.equal(secondPath, /d="([^"]+)"/.exec(qrSvg(QR_2))![1]);
    assert.notEqual(secondPath, firstPath);
    await shot(r.page, "qr-2-rotated.png");

    r.world.link = openStatus();
    await r.page.locator("#linked").waitFor({ state: "visible" });
    assert.equal(await r.page.locator("#linked h2").textContent(), "Linked");
    assert.equal(await r.page.locator("#linked-as").textContent(), "Ada Lovelace · +4915112345678");
    assert.equal(await r.page.locator("#scan").isVisible(), false);
    assert.equal(await r.page.locator("#badge").getAttribute("data-state"), "open");
    await shot(r.page, "qr-linked.png");

    assert.equal(r.navigations, navsAfterLoad, "no reload happened");
    assert.deepEqual(r.violations, [], "no CSP violations");
  });

  test("/status shows the dashboard and follows state changes without a reload", async () => {
    const r = await rig();
    await r.page.goto(`${r.base}/status`);
    assert.equal(await r.page.locator("#badge").getAttribute("data-state"), "qr");
    assert.equal(await r.page.locator("#link-notice").isVisible(), true);
    assert.equal(await r.page.locator('.tile [data-k="messages"]').textContent(), "128,734");
    await shot(r.page, "status-linking.png");
    await r.page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));

    r.world.link = openStatus();
    r.world.link.history = { ...r.world.link.history, inProgress: true, progress: 64 };
    r.world.stats = { ...r.world.stats, messages: 130_001, lastError: "snapshot write failed: ENOSPC (disk full)" };
    await r.page.waitForFunction(() => document.querySelector("#badge")?.getAttribute("data-state") === "open");
    await r.page.waitForFunction(() => document.querySelector('.tile [data-k="messages"]')?.textContent === "130,001");
    assert.equal(await r.page.locator('h1[data-k="account"]').textContent(), "Ada Lovelace");
    assert.equal(await r.page.locator("#link-notice").isVisible(), false);
    assert.equal(await r.page.locator("#progress").isVisible(), true);
    assert.equal(await r.page.evaluate(() => (document.querySelector("#progress") as HTMLProgressElement).value), 64);
    assert.equal(await r.page.locator("#errors").isVisible(), true);
    assert.equal(await r.page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 42, "same document: no reload");
    await shot(r.page, "status-open-syncing.png");

    r.world.link = openStatus();
    r.world.stats = { ...r.world.stats, lastError: null };
    await r.page.waitForFunction(() => (document.querySelector("#errors") as HTMLElement).hidden === true);
    await shot(r.page, "status-open.png");
    assert.deepEqual(r.violations, [], "no CSP violations");
  });

  test("the pairing-code form shows the code to type on the phone", async () => {
    const r = await rig();
    r.world.link = { ...linkingStatus(), qr: null, state: "connecting" };
    await r.page.goto(`${r.base}/qr`);
    await r.page.fill("#phone", "+49 151 12345678");
    await Promise.all([r.page.waitForURL(`${r.base}/qr/pairing-code`), r.page.click("#pair button[type=submit]")]);
    assert.equal(await r.page.locator("#code").textContent(), "ABCD-1234");
    assert.deepEqual(r.world.pairingRequests, ["4915112345678"]);
    await shot(r.page, "qr-pairing-code.png");
    assert.deepEqual(r.violations, []);
  });

  test("with a token configured the browser signs in through the form and gets the dashboard", async () => {
    const token = "browser-test-token-0123456789abcdef";
    const r = await rig({ auth: { token, oauth: null } });
    await r.page.goto(`${r.base}/status`);
    assert.equal(new URL(r.page.url()).pathname, "/login");
    await shot(r.page, "login.png");
    await r.page.fill("#token", "wrong-token-value");
    await Promise.all([r.page.waitForLoadState(), r.page.click("button[type=submit]")]);
    assert.match((await r.page.locator(".error-msg").textContent()) ?? "", /not valid/);
    await r.page.fill("#token", token);
    await Promise.all([r.page.waitForURL(`${r.base}/status`), r.page.click("button[type=submit]")]);
    assert.equal(await r.page.locator("#badge").getAttribute("data-state"), "qr");
    // the page keeps polling with its session cookie
    r.world.link = openStatus();
    await r.page.waitForFunction(() => document.querySelector("#badge")?.getAttribute("data-state") === "open");
    const cookies = await r.page.context().cookies();
    const session = cookies.find((c) => c.name === "wa_session");
    assert.ok(session && session.httpOnly && session.sameSite === "Strict");
    await Promise.all([r.page.waitForURL(`${r.base}/login`), r.page.click("nav button[type=submit]")]);
    assert.deepEqual(r.violations, []);
  });
});
