/**
 * The store-backed auth state under REAL libsignal sessions (Baileys' own Signal repository):
 * our device's keys live in `makeStoreAuthState` over the REAL sql.js repository in a temporary
 * folder, closed and reopened from disk; the peer is the simulator's `SignalParty` (in-memory
 * keys). The narrower cases use the Map-backed test repository (it can be told to fail commits).
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  addTransactionCapability,
  BufferJSON,
  Curve,
  DEFAULT_CONNECTION_CONFIG,
  proto,
  unpadRandomMax16,
  writeRandomPadMax16,
} from "@whiskeysockets/baileys";
import type { KeyPair, SignalRepositoryWithLIDStore } from "@whiskeysockets/baileys";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import type { SessionStore } from "../../src/store/ports.ts";
import { makeStoreAuthState, readLidMappings, type StoreAuthState } from "../../src/whatsapp/auth_state.ts";
import { SignalParty } from "../sim/signal-party.ts";
import { silentLogger } from "../sim/silent-logger.ts";
import { memoryRepo, type MemoryRepo } from "./memory_repo.ts";
import { BOB, ME } from "./fixtures.ts";

const txOpts = { maxCommitRetries: 1, delayBetweenTriesMs: 0 };

async function ourDevice(repo: SessionStore): Promise<{ auth: StoreAuthState; signal: SignalRepositoryWithLIDStore }> {
  const auth = await makeStoreAuthState(repo);
  const keys = addTransactionCapability(auth.state.keys, silentLogger, txOpts);
  const signal = DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds: auth.state.creds, keys }, silentLogger);
  return { auth, signal };
}

const text = (s: string) => writeRandomPadMax16(proto.Message.encode({ conversation: s }).finish());
const read = (b: Uint8Array) => proto.Message.decode(unpadRandomMax16(b)).conversation;

/** Bob and us talk; our keys live in the store; the store is closed and reopened; we talk on. */
async function sessionsSurviveReopen<R extends SessionStore & { close(): Promise<void> }>(open: () => Promise<R>, reopen: (old: R) => Promise<R>): Promise<void> {
  const repo = await open();
  const us = await ourDevice(repo);
  await us.auth.saveCreds();

  // Our one-time pre-keys, as Baileys uploads them: written through keys.set.
  const preKeys: Record<string, KeyPair> = {};
  for (let id = 1; id <= 3; id++) preKeys[id] = Curve.generateKeyPair();
  await us.auth.state.keys.set({ "pre-key": preKeys });

  // The peer fetches our bundle (one pre-key) and starts a session.
  const bob = new SignalParty();
  const c = us.auth.state.creds;
  await bob.startSession(ME, {
    registrationId: c.registrationId,
    identityKey: c.signedIdentityKey.public,
    signedPreKey: { keyId: c.signedPreKey.keyId, publicKey: c.signedPreKey.keyPair.public, signature: c.signedPreKey.signature },
    preKey: { keyId: 2, publicKey: preKeys[2].public },
  });
  const first = await bob.repo.encryptMessage({ jid: ME, data: text("hi, it is Bob") });
  assert.equal(first.type, "pkmsg");
  assert.equal(read(await us.signal.decryptMessage({ jid: BOB, type: first.type, ciphertext: first.ciphertext })), "hi, it is Bob");

  // Durable before use: the session and the consumed pre-key are in the store already.
  assert.equal(Object.keys(await repo.authGet("session", ["491722222222.0"])).length, 1, "session stored");
  assert.deepEqual(Object.keys(await repo.authGet("pre-key", ["1", "2", "3"])).sort(), ["1", "3"], "used pre-key deleted");

  const reply = await us.signal.encryptMessage({ jid: BOB, data: text("hello Bob") });
  assert.equal(read(await bob.repo.decryptMessage({ jid: ME, type: reply.type, ciphertext: reply.ciphertext })), "hello Bob");

  // Close; only what the store made durable survives. Reopen from it.
  const repo2 = await reopen(repo);
  try {
    const again = await ourDevice(repo2);
    assert.equal(again.auth.state.creds.registrationId, c.registrationId);
    assert.deepEqual(again.auth.state.creds.signedIdentityKey.public, c.signedIdentityKey.public);
    for (let i = 0; i < 3; i++) {
      const m = await bob.repo.encryptMessage({ jid: ME, data: text(`after reopen ${i}`) });
      assert.equal(m.type, "msg", "the established session is used, no new pre-key");
      assert.equal(read(await again.signal.decryptMessage({ jid: BOB, type: m.type, ciphertext: m.ciphertext })), `after reopen ${i}`);
      const r = await again.signal.encryptMessage({ jid: BOB, data: text(`answer ${i}`) });
      assert.equal(read(await bob.repo.decryptMessage({ jid: ME, type: r.type, ciphertext: r.ciphertext })), `answer ${i}`);
    }
  } finally {
    await repo2.close();
  }
}

describe("store-backed auth state", () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test("real Signal sessions survive closing and reopening the sql.js store, in both directions", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wa-auth-"));
    dirs.push(dir);
    await sessionsSurviveReopen(() => openSqljsRepository({ dir }), async (old) => {
      await old.close();
      return openSqljsRepository({ dir });
    });
  });

  test("real Signal sessions survive closing and reopening the Map-backed test store, in both directions", async () => {
    await sessionsSurviveReopen(() => Promise.resolve(memoryRepo()), (old) => Promise.resolve(memoryRepo(old.image())));
  });

  test("a key write is not visible (nor used) until the store acknowledged it", async () => {
    const repo = memoryRepo();
    const auth = await makeStoreAuthState(repo);
    repo.failCommits(new Error("disk full"));
    await assert.rejects(async () => await auth.state.keys.set({ "sender-key-memory": { "g@g.us": { [BOB]: true } } }), /disk full/);
    repo.failCommits(null);
    assert.deepEqual(await auth.state.keys.get("sender-key-memory", ["g@g.us"]), {});
    await auth.state.keys.set({ "sender-key-memory": { "g@g.us": { [BOB]: true } } });
    assert.deepEqual(await auth.state.keys.get("sender-key-memory", ["g@g.us"]), { "g@g.us": { [BOB]: true } });
  });

  test("every Signal key type round-trips through BufferJSON, app-state keys as protos", async () => {
    const repo = memoryRepo();
    const auth = await makeStoreAuthState(repo);
    const data = {
      "pre-key": { "7": Curve.generateKeyPair() },
      session: { "491722222222.0": new Uint8Array([1, 2, 3]) },
      "sender-key": { "g@g.us::491722222222::0": new Uint8Array([4, 5]) },
      "sender-key-memory": { "g@g.us": { [BOB]: true } },
      "app-state-sync-key": { AAAA: proto.Message.AppStateSyncKeyData.fromObject({ keyData: new Uint8Array([9, 9]), timestamp: 5 }) },
      "app-state-sync-version": { regular: { version: 3, hash: new Uint8Array(128), indexValueMap: {} } },
      "lid-mapping": { "491722222222": "300000000000003", "300000000000003_reverse": "491722222222" },
      "device-list": { "491722222222": ["0", "12"] },
      tctoken: { [BOB]: { token: new Uint8Array([7, 7, 7]), timestamp: "1736935200" } },
      "identity-key": { "491722222222.0": new Uint8Array(33).fill(5) },
    };
    await auth.state.keys.set(data as never);
    const reopened = await makeStoreAuthState(memoryRepo(repo.image()));
    for (const [type, entries] of Object.entries(data)) {
      const got = await reopened.state.keys.get(type as never, Object.keys(entries));
      const norm = (v: unknown) => JSON.parse(JSON.stringify(v, BufferJSON.replacer));
      assert.deepEqual(norm(got), norm(entries), type);
    }
    const appKey = (await reopened.state.keys.get("app-state-sync-key", ["AAAA"])).AAAA;
    assert.ok(appKey instanceof proto.Message.AppStateSyncKeyData);
    assert.deepEqual(await readLidMappings(repo, ["300000000000003@lid", "999@lid"]), new Map([["300000000000003@lid", BOB]]));
  });

  test("a value Baileys mutates after reading is not changed in the store behind its back", async () => {
    const repo = memoryRepo();
    const auth = await makeStoreAuthState(repo);
    await auth.state.keys.set({ "device-list": { u: ["0"] } });
    const first = await auth.state.keys.get("device-list", ["u"]);
    first.u.push("99");
    assert.deepEqual((await auth.state.keys.get("device-list", ["u"])).u, ["0"]);
  });

  test("clear() forgets the session (clearAuth) and starts over with fresh credentials", async () => {
    const repo = memoryRepo();
    const auth = await makeStoreAuthState(repo);
    const oldIdentity = auth.state.creds.signedIdentityKey.public;
    auth.state.creds.me = { id: ME };
    auth.state.creds.account = proto.ADVSignedDeviceIdentity.fromObject({ details: new Uint8Array([1]) });
    await auth.saveCreds();
    assert.equal(auth.isLinked(), true);
    await auth.state.keys.set({ session: { a: new Uint8Array([1]) } });
    await auth.clear();
    assert.deepEqual(repo.commits.at(-1), [{ op: "clearAuth" }]);
    assert.equal(repo.auth.size, 0);
    assert.equal(auth.isLinked(), false);
    assert.deepEqual(await auth.state.keys.get("session", ["a"]), {});
    assert.notDeepEqual(auth.state.creds.signedIdentityKey.public, oldIdentity, "a new identity");
    const reopened = await makeStoreAuthState(repo);
    assert.equal(reopened.isLinked(), false);
  });

  test("a half-finished pairing-code login is reset on load", async () => {
    const repo = memoryRepo();
    const auth = await makeStoreAuthState(repo);
    auth.state.creds.me = { id: ME, name: "~" };
    auth.state.creds.pairingCode = "ABCD1234";
    await auth.saveCreds();
    const reopened = await makeStoreAuthState(repo);
    assert.equal(reopened.state.creds.me, undefined);
    assert.equal(reopened.state.creds.pairingCode, undefined);
  });
});
