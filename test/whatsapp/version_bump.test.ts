/**
 * Staying linked through a WhatsApp Web version bump, with REAL Baileys against the simulator
 * demanding a newer version (it answers an older client's login with `failure 405`). The
 * version fetcher is injected: the network is never asked.
 */
import "../sim/preload.ts";
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRegistry, startTree, type Tree, worker } from "../../supervisors/mod.ts";
import { storeBehavior } from "../../src/store/actor.ts";
import { storeClient } from "../../src/store/client.ts";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import type { LinkStatus } from "../../src/status/types.ts";
import { whatsappSupervisor } from "../../src/whatsapp/tree.ts";
import { CLIENT_OUTDATED_ADVICE, initialLinkState, transition } from "../../src/whatsapp/reconnect.ts";
import { PINNED_WA_VERSION } from "../../src/whatsapp/socket_config.ts";
import { createWaVersionSource, parseWaVersion, WA_VERSION_META, type WaVersion } from "../../src/whatsapp/wa_version.ts";
import { startSimulator, type Sim } from "../sim/index.ts";
import { until } from "../helpers/until.ts";

const NEWER: WaVersion = [2, 3000, PINNED_WA_VERSION[2]! + 7];

describe("WhatsApp Web version bumps (simulator demands a newer version)", () => {
  const trees: Tree[] = [];
  const sims: Sim[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const t of trees.reverse()) await t.stop();
    for (const s of sims) await s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function world(fetcher: () => WaVersion | null) {
    const sim = await startSimulator();
    sims.push(sim);
    sim.faults.minClientVersion = NEWER;
    const reg = createRegistry();
    const dir = mkdtempSync(join(tmpdir(), "wa-version-"));
    dirs.push(dir);
    const repo = storeClient(reg);
    let fetches = 0;
    trees.push(await startTree({
      strategy: "one_for_one",
      intensity: 3,
      periodMs: 60_000,
      children: [
        worker("store", () => storeBehavior(() => openSqljsRepository({ dir }))),
        whatsappSupervisor({
          connection: {
            authRepo: repo,
            repo,
            baseUrl: "http://127.0.0.1:8080",
            waWebSocketUrl: sim.url,
            connectTimeoutMs: 10_000,
            logLevel: "error",
            waVersion: createWaVersionSource({
              setting: "auto",
              repo,
              fetcher: () => {
                fetches++;
                return Promise.resolve(fetcher());
              },
            }),
          },
          sync: { repo },
        }),
      ],
    }, { registry: reg }));
    const status = () => reg.ask<LinkStatus>("connection", { type: "status" });
    return { sim, repo, status, fetches: () => fetches };
  }

  test("offline at start, refused with 405: the current version is fetched, the retry links, and it is kept as the last good one", async () => {
    let online = false;
    const w = await world(() => (online ? NEWER : null));
    online = true; // the tree has started: the start's fetch was made offline
    const qr = await until("a QR after the retry with the newer version", async () => (await w.status()).qr);
    assert.deepEqual((await w.status()).webVersion, { version: NEWER.join("."), origin: "fetched" });
    await w.sim.phone.scanQr(qr);
    await until("open", async () => (await w.status()).state === "open");
    assert.equal(await until("the version remembered", () => w.repo.metaGet(WA_VERSION_META)), NEWER.join("."));
    assert.equal(w.fetches(), 2, "one fetch at start (offline), one refresh after the 405");
  });

  test("no newer version to be had: stopped with what to do, and no reconnect loop", async () => {
    const w = await world(() => null);
    const stopped = await until("stopped", async () => {
      const s = await w.status();
      return s.state === "stopped" ? s : null;
    });
    assert.equal(stopped.lastError, CLIENT_OUTDATED_ADVICE);
    assert.match(stopped.lastError!, /WHATSAPP_MCP_WA_VERSION/);
    assert.equal(stopped.webVersion?.origin, "bundled");
    const n = w.fetches();
    assert.equal(n, 2, "one fetch at start, one refresh after the 405");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(w.fetches(), n);
    assert.equal((await w.status()).state, "stopped");
  });
});

describe("version rules (pure)", () => {
  test("versions parse only in the 2.3000.N form", () => {
    assert.deepEqual(parseWaVersion("2.3000.1023456789"), [2, 3000, 1023456789]);
    assert.equal(parseWaVersion("auto"), null);
    assert.equal(parseWaVersion("2.3000"), null);
  });

  test("a 405 reconnects at once with a refreshed version, else stops with advice", () => {
    const open = { ...initialLinkState(0), phase: "connecting" as const, linked: true };
    const env = { now: 1, random: () => 0 };
    const retry = transition(open, { type: "closed", statusCode: 405, reason: "Connection Failure", versionRefreshed: true }, env);
    assert.deepEqual(retry.effects, [{ type: "connect" }]);
    const stop = transition(open, { type: "closed", statusCode: 405, reason: "Connection Failure" }, env);
    assert.equal(stop.state.phase, "stopped");
    assert.equal(stop.state.lastError, CLIENT_OUTDATED_ADVICE);
  });

  test("a fixed setting wins and is never fetched; bundled never fetches either", async () => {
    let fetched = 0;
    const repo = { metaGet: () => Promise.resolve("2.3000.5"), commit: () => Promise.resolve() };
    const fetcher = () => (fetched++, Promise.resolve([2, 3000, 9] as WaVersion));
    const fixed = createWaVersionSource({ setting: "2.3000.42", repo, fetcher });
    await fixed.start();
    assert.deepEqual(fixed.current(), { version: [2, 3000, 42], origin: "setting" });
    assert.equal(await fixed.refresh(), false);
    const bundled = createWaVersionSource({ setting: "bundled", repo, fetcher });
    await bundled.start();
    assert.equal(bundled.current().origin, "bundled");
    assert.equal(fetched, 0);
    const cachedOnly = createWaVersionSource({ setting: "auto", repo, fetcher: () => Promise.resolve(null) });
    await cachedOnly.start();
    assert.deepEqual(cachedOnly.current(), { version: [2, 3000, 5], origin: "cached" });
  });
});
