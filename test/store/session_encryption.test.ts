/**
 * The WhatsApp session at rest with WHATSAPP_SESSION_KEY, on sql.js and on PostgreSQL: a plain
 * session is encrypted when the key is first set; the right key reads it; a wrong or missing key
 * is refused and changes nothing; values are bound to their slot; a cleared session stays marked.
 */
import { after, describe, test } from "node:test";
import process from "node:process";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPostgresRepository } from "../../src/store/postgres/repository.ts";
import { isEncrypted, parseSessionKey, SessionKeyFormatError } from "../../src/store/session_crypto.ts";
import { KEY_CHECK, SessionKeyError, sessionEncryption } from "../../src/store/session_encryption.ts";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import type { Repository } from "../../src/store/types.ts";
import { makeStoreAuthState } from "../../src/whatsapp/auth_state.ts";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { serverCommand } from "../helpers/paths.ts";
import { pgTestServer } from "./pg_harness.ts";

const KEY_A = btoa(String.fromCharCode(...new Uint8Array(32).map((_, i) => i * 7 + 1)));
const KEY_B = "ab".repeat(32);

const root = mkdtempSync(join(tmpdir(), "wa-session-key-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const pg = await pgTestServer("wa_sesskey");

const backends: Array<{ name: string; skip: string | false; open(): Promise<() => Promise<Repository>> }> = [
  {
    name: "sql.js",
    skip: false,
    async open() {
      const dir = join(root, `s${++n}`);
      return () => openSqljsRepository({ dir });
    },
  },
  {
    name: "PostgreSQL",
    skip: pg.skip,
    async open() {
      const url = await pg.freshSchemaUrl();
      return () => openPostgresRepository({ url });
    },
  },
];

/** Every raw auth row, check entry included. */
async function raw(repo: Repository) {
  return (await repo.authList()).map((e) => `${e.category}/${e.id}=${e.value}`).sort();
}

describe("session key format", () => {
  test("32 bytes as base64, base64url or hex; anything else is refused", () => {
    assert.equal(parseSessionKey(KEY_A).length, 32);
    assert.equal(parseSessionKey(KEY_A.replace(/=$/, "").replace(/\+/g, "-").replace(/\//g, "_")).length, 32);
    assert.equal(parseSessionKey(KEY_B).length, 32);
    for (const bad of ["", "secret", "ab".repeat(31), btoa("x".repeat(31)), btoa("x".repeat(33))]) {
      assert.throws(() => parseSessionKey(bad), SessionKeyFormatError, bad);
    }
  });
});

for (const b of backends) {
  describe(`session encryption at rest (${b.name})`, { skip: b.skip }, () => {
    test("a plain session is encrypted in one step when the key is first set, and reads back the same", async () => {
      const open = await b.open();
      let repo = await open();
      const creds = JSON.stringify({ noiseKey: "n", me: { id: "4915112345678:1@s.whatsapp.net" } });
      await repo.commit([
        { op: "setAuth", category: "creds", id: "creds", value: creds },
        { op: "setAuth", category: "pre-key", id: "1", value: '{"k":"one"}' },
        { op: "setAuth", category: "pre-key", id: "2", value: '{"k":"two"}' },
      ]);
      const enc = sessionEncryption(repo, KEY_A);
      assert.deepEqual(await enc.authGet("creds", ["creds"]), { creds });
      const stored = await repo.authList();
      assert.equal(stored.length, 4, "three entries and the key check");
      for (const e of stored) assert.ok(isEncrypted(e.value), `${e.category}/${e.id} is encrypted at rest`);
      assert.ok(!stored.some((e) => e.value.includes("4915112345678")), "no plain text left");
      assert.deepEqual(await enc.authGet("pre-key", ["1", "2", "3"]), { "1": '{"k":"one"}', "2": '{"k":"two"}' });
      assert.deepEqual((await enc.authList()).map((e) => e.category).sort(), ["creds", "pre-key", "pre-key"], "the check entry is not a session entry");
      await enc.commit([{ op: "setAuth", category: "pre-key", id: "3", value: '{"k":"three"}' }, { op: "setAuth", category: "pre-key", id: "1", value: null }]);
      assert.ok(isEncrypted((await repo.authGet("pre-key", ["3"]))["3"]!), "new writes are encrypted");
      await repo.close();

      repo = await open();
      const again = sessionEncryption(repo, KEY_A);
      assert.deepEqual(await again.authGet("pre-key", ["1", "2", "3"]), { "2": '{"k":"two"}', "3": '{"k":"three"}' }, "after a restart, with the same key");
      await repo.close();
    });

    test("a wrong key, or no key, is refused at the first session access and never overwrites the session", async () => {
      const open = await b.open();
      let repo = await open();
      await sessionEncryption(repo, KEY_A).commit([{ op: "setAuth", category: "creds", id: "creds", value: '{"a":1}' }]);
      const before = await raw(repo);
      await repo.close();

      repo = await open();
      const wrong = sessionEncryption(repo, KEY_B);
      await assert.rejects(wrong.authGet("creds", ["creds"]), (err: unknown) => {
        assert.ok(err instanceof SessionKeyError);
        assert.match(err.message, /WHATSAPP_SESSION_KEY does not open the stored WhatsApp session.*nothing was overwritten/);
        return true;
      });
      await assert.rejects(wrong.commit([{ op: "setAuth", category: "creds", id: "creds", value: '{"evil":1}' }]), SessionKeyError, "writes refused too");
      await assert.rejects(wrong.commit([{ op: "clearAuth" }]), SessionKeyError, "a logout cannot wipe it either");
      const none = sessionEncryption(repo, null);
      await assert.rejects(none.authGet("creds", ["creds"]), /encrypted, but WHATSAPP_SESSION_KEY is not set/);
      assert.deepEqual(await raw(repo), before, "byte for byte as it was");
      // Baileys' auth state refuses to load, so the connection never starts with fresh credentials.
      await assert.rejects(makeStoreAuthState(sessionEncryption(repo, KEY_B)), SessionKeyError);
      assert.deepEqual(await raw(repo), before);
      await repo.close();
    });

    test("an encrypted value moved to another slot does not decrypt (the slot is authenticated)", async () => {
      const open = await b.open();
      const repo = await open();
      const enc = sessionEncryption(repo, KEY_A);
      await enc.commit([
        { op: "setAuth", category: "creds", id: "creds", value: '{"real":true}' },
        { op: "setAuth", category: "pre-key", id: "9", value: '{"k":"nine"}' },
      ]);
      const moved = (await repo.authGet("pre-key", ["9"]))["9"]!;
      await repo.commit([{ op: "setAuth", category: "creds", id: "creds", value: moved }]);
      await assert.rejects(enc.authGet("creds", ["creds"]), /does not decrypt with WHATSAPP_SESSION_KEY/);
      await repo.close();
    });

    test("a cleared session (logout) stays marked encrypted, and Baileys' auth state works through it", async () => {
      const open = await b.open();
      const repo = await open();
      const enc = sessionEncryption(repo, KEY_A);
      const state = await makeStoreAuthState(enc);
      await state.saveCreds();
      await state.state.keys.set({ "pre-key": { "5": { public: new Uint8Array([1, 2]), private: new Uint8Array([3, 4]) } } });
      assert.ok((await repo.authList()).every((e) => isEncrypted(e.value)));
      const reread = await makeStoreAuthState(sessionEncryption(repo, KEY_A));
      assert.equal(reread.state.creds.registrationId, state.state.creds.registrationId);
      assert.deepEqual(Object.keys(await reread.state.keys.get("pre-key", ["5"])), ["5"]);
      await state.clear();
      const left = await repo.authList();
      assert.deepEqual(left.map((e) => e.category), [KEY_CHECK.category], "only the key check is left");
      await assert.rejects(sessionEncryption(repo, KEY_B).authGet("creds", ["creds"]), SessionKeyError, "still refused with another key");
      await repo.close();
    });
  });
}

describe("the server with a wrong session key", () => {
  test("refuses to start with a message naming WHATSAPP_SESSION_KEY, exit 1, files unchanged", async () => {
    const dir = join(root, `proc${++n}`);
    const repo = await openSqljsRepository({ dir });
    await sessionEncryption(repo, KEY_A).commit([{ op: "setAuth", category: "creds", id: "creds", value: '{"a":1}' }]);
    await repo.close();
    const before = [readFileSync(join(dir, "store.sqlite")), readFileSync(join(dir, "store.journal"))];
    const { command, args } = serverCommand();
    const child = spawn(command, args, {
      env: { ...process.env, WHATSAPP_MCP_DATA_DIR: dir, WHATSAPP_SESSION_KEY: KEY_B, WHATSAPP_WS_URL: "ws://127.0.0.1:1", MCP_PORT: "0" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stderr!.on("data", (d) => (stderr += d));
    child.stdout!.on("data", (d) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    child.stdin!.destroy();
    assert.equal(code, 1, stderr.slice(-2000));
    assert.match(stderr, /whatsapp-mcp: .*WHATSAPP_SESSION_KEY does not open the stored WhatsApp session/);
    assert.ok(!stderr.includes(KEY_B) && !stdout.includes(KEY_B), "the key is never printed");
    assert.deepEqual([readFileSync(join(dir, "store.sqlite")), readFileSync(join(dir, "store.journal"))], before, "nothing written");
  });
});
