/**
 * Signature checks fail closed. Baileys 7.0.0-rc14's `Curve.verify` accepts any well-formed
 * signature (see src/whatsapp/strict_curve.ts); the connection installs a strict one. Checked with
 * wrong keys directly, and end to end with REAL Baileys in the real connection actor against the
 * simulator: a server whose noise certificate is signed by another root, and a pair-success whose
 * account signature is forged, are refused with a clear link status; the simulator's own test root
 * still links.
 */
import "../sim/preload.ts";
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Curve } from "@whiskeysockets/baileys";
import { createRegistry, startTree, type Tree, worker } from "../../supervisors/mod.ts";
import { storeBehavior } from "../../src/store/actor.ts";
import { storeClient } from "../../src/store/client.ts";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import type { LinkStatus } from "../../src/status/types.ts";
import { installStrictCurveVerify, strictCurveInstalled, strictVerify } from "../../src/whatsapp/strict_curve.ts";
import { whatsappSupervisor } from "../../src/whatsapp/tree.ts";
import { startSimulator, type Sim } from "../sim/index.ts";
import { until } from "../helpers/until.ts";

/** Baileys' own verify as imported (before this file installs the strict one). */
const upstreamVerify = Curve.verify;

describe("strict Curve.verify", () => {
  const signer = Curve.generateKeyPair();
  const stranger = Curve.generateKeyPair();
  const msg = new TextEncoder().encode("noise certificate details");
  const sig = Curve.sign(signer.private, msg);

  test("accepts the signer's signature (32-byte key or 33 with the 0x05 prefix)", () => {
    assert.equal(strictVerify(signer.public, msg, sig), true);
    assert.equal(strictVerify(Buffer.concat([Buffer.from([5]), signer.public]), msg, sig), true);
  });

  test("refuses a wrong key, a changed message, a changed signature and bad lengths, without throwing", () => {
    assert.equal(strictVerify(stranger.public, msg, sig), false);
    assert.equal(strictVerify(signer.public, new TextEncoder().encode("noise certificate detailz"), sig), false);
    const flipped = Uint8Array.from(sig);
    flipped[10]! ^= 1;
    assert.equal(strictVerify(signer.public, msg, flipped), false);
    assert.equal(strictVerify(signer.public.subarray(0, 31), msg, sig), false);
    assert.equal(strictVerify(Buffer.concat([Buffer.from([6]), signer.public]), msg, sig), false);
    assert.equal(strictVerify(signer.public, msg, sig.subarray(0, 63)), false);
  });

  test("once installed, Baileys' Curve.verify refuses a wrong key (upstream accepts it)", () => {
    if (upstreamVerify !== strictVerify) {
      // The upstream defect this module works around; if this fails, Baileys fixed it.
      assert.equal(upstreamVerify(stranger.public, msg, sig), true, "Baileys' own Curve.verify accepts a wrong key");
    }
    installStrictCurveVerify();
    assert.equal(strictCurveInstalled(), true);
    assert.equal(Curve.verify(stranger.public, msg, sig), false);
    assert.equal(Curve.verify(signer.public, msg, sig), true);
  });
});

describe("the connection refuses a server that cannot prove it is WhatsApp", () => {
  const trees: Tree[] = [];
  const dirs: string[] = [];
  const sims: Sim[] = [];

  /** The WhatsApp subtree (real connection actor, real Baileys) on a fresh store, against `sim`. */
  async function link(sim: Sim): Promise<() => Promise<LinkStatus>> {
    const reg = createRegistry();
    const d = mkdtempSync(join(tmpdir(), "wa-strict-"));
    dirs.push(d);
    const client = storeClient(reg);
    trees.push(await startTree({
      strategy: "one_for_one",
      intensity: 3,
      periodMs: 60_000,
      children: [
        worker("store", () => storeBehavior(() => openSqljsRepository({ dir: d }))),
        whatsappSupervisor({
          connection: {
            authRepo: client,
            repo: client,
            baseUrl: "http://127.0.0.1:8080",
            waWebSocketUrl: sim.url,
            connectTimeoutMs: 10_000,
            logLevel: "error",
          },
          sync: { repo: client },
        }),
      ],
    }, { registry: reg }));
    return () => reg.ask<LinkStatus>("connection", { type: "status" });
  }

  after(async () => {
    for (const t of trees.reverse()) await t.stop();
    for (const s of sims) await s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test("a noise certificate signed by another root: no QR, a clear link status, retried with backoff", async () => {
    const sim = await startSimulator({ certRootKey: Curve.generateKeyPair() });
    sims.push(sim);
    const status = await link(sim);
    const s = await until("a refused handshake", async () => {
      const st = await status();
      return st.lastError ? st : null;
    });
    assert.match(s.lastError!, /did not prove it is WhatsApp: its noise certificate failed the signature check/);
    assert.equal(s.state, "reconnecting");
    assert.equal(s.qr, null);
    assert.equal(s.me, null);
  });

  test("a pair-success with a forged account signature is not saved as a link", async () => {
    const sim = await startSimulator({ forgeAccountSignature: true });
    sims.push(sim);
    const status = await link(sim);
    const qr = await until("a QR", async () => (await status()).qr);
    await sim.phone.scanQr(qr).catch(() => undefined); // the companion refuses the pairing
    const s = await until("a refused pairing", async () => {
      const st = await status();
      return st.lastError && /account signature/.test(st.lastError) ? st : null;
    });
    assert.match(s.lastError!, /Linking failed: the phone's account signature did not verify/);
    assert.equal(s.me, null, "no account was linked");
    assert.notEqual(s.state, "open");
  });

  test("the simulator's own test root still links (QR offered, then open)", async () => {
    const sim = await startSimulator();
    sims.push(sim);
    const status = await link(sim);
    const qr = await until("a QR", async () => (await status()).qr);
    await sim.phone.scanQr(qr);
    const s = await until("open", async () => {
      const st = await status();
      return st.state === "open" ? st : null;
    });
    assert.ok(s.me);
  });
});
