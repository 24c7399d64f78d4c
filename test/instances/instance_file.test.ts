import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeFs, type FsPort } from "../../src/runtime/fs.ts";
import {
  type InstanceInfo,
  instanceFilePath,
  parseInstanceInfo,
  readInstanceFile,
  removeInstanceFile,
  writeInstanceFile,
} from "../../src/instance/file.ts";
import { findOwner } from "../../src/instance/claim.ts";
import { createInstanceApp } from "../../src/http/instance_app.ts";

const INFO: InstanceInfo = { v: 1, pid: 4242, port: 40001, token: "a".repeat(43), version: "0.1.0", startedAt: "2025-01-15T08:00:00.000Z" };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "wa-mcp-instfile-"));
}

describe("instance.json", () => {
  test("parseInstanceInfo() accepts what the owner writes and rejects damaged or foreign content", () => {
    assert.deepEqual(parseInstanceInfo(JSON.stringify(INFO)), INFO);
    assert.equal(parseInstanceInfo(""), null);
    assert.equal(parseInstanceInfo('{"v":1,"pid":1,"port":80'), null);
    assert.equal(parseInstanceInfo(JSON.stringify({ ...INFO, v: 2 })), null);
    assert.equal(parseInstanceInfo(JSON.stringify({ ...INFO, port: 70000 })), null);
    assert.equal(parseInstanceInfo(JSON.stringify({ ...INFO, token: "short" })), null);
    assert.equal(parseInstanceInfo(JSON.stringify({ ...INFO, pid: -1 })), null);
  });

  test("is written 0600 (replacing a stale, looser file) and read back; removal leaves a successor's file alone", async () => {
    const dir = tempDir();
    try {
      writeFileSync(instanceFilePath(dir), "stale", { mode: 0o644 });
      await writeInstanceFile(nodeFs, dir, INFO);
      if (process.platform !== "win32") assert.equal(statSync(instanceFilePath(dir)).mode & 0o777, 0o600);
      assert.deepEqual(await readInstanceFile(nodeFs, dir), INFO);
      assert.deepEqual(await findOwner(nodeFs, dir, 4242), INFO);
      assert.equal(await findOwner(nodeFs, dir, 999), null, "a file of another pid than the lock holder's is not the owner's");

      const successor = { ...INFO, pid: 4343, token: "b".repeat(43) };
      await writeInstanceFile(nodeFs, dir, successor);
      await removeInstanceFile(nodeFs, dir, INFO.token);
      assert.equal(JSON.parse(readFileSync(instanceFilePath(dir), "utf8")).pid, 4343);
      await removeInstanceFile(nodeFs, dir, successor.token);
      assert.equal(await readInstanceFile(nodeFs, dir), null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the write retries a rename that Windows refuses while another process reads the file (EPERM/EBUSY)", async () => {
    const dir = tempDir();
    try {
      let refusals = 0;
      const busy: FsPort = {
        ...nodeFs,
        async rename(from, to) {
          if (refusals < 2) {
            refusals++;
            throw Object.assign(new Error("busy"), { code: refusals === 1 ? "EPERM" : "EBUSY" });
          }
          return nodeFs.rename(from, to);
        },
      };
      await writeInstanceFile(busy, dir, INFO, () => Promise.resolve());
      assert.equal(refusals, 2);
      assert.deepEqual(await readInstanceFile(nodeFs, dir), INFO);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the instance endpoint", () => {
  const port = 40001;
  let forwarded: Request | null = null;
  const app = createInstanceApp({
    token: INFO.token,
    port: () => port,
    mcp: async (req) => {
      forwarded = req;
      return new Response("{}", { status: 200, headers: { "Content-Type": "application/json" } });
    },
  });
  const req = (headers: Record<string, string>, path = "/mcp") =>
    new Request(`http://127.0.0.1:${port}${path}`, { method: "POST", headers: { host: `127.0.0.1:${port}`, ...headers }, body: "{}" });

  test("accepts only the instance token, and forwards without the Authorization header", async () => {
    assert.equal((await app.fetch(req({}))).status, 401);
    assert.equal((await app.fetch(req({ authorization: "Bearer wrong-token-wrong-token-wrong-token" }))).status, 401);
    forwarded = null;
    const ok = await app.fetch(req({ authorization: `Bearer ${INFO.token}` }));
    assert.equal(ok.status, 200);
    assert.ok(forwarded, "not forwarded");
    assert.equal((forwarded as Request | null)?.headers.get("authorization"), null);
  });

  test("refuses foreign Host headers (DNS rebinding), any Origin, and other paths", async () => {
    const auth = { authorization: `Bearer ${INFO.token}` };
    assert.equal((await app.fetch(req({ ...auth, host: "evil.example:40001" }))).status, 403);
    assert.equal((await app.fetch(req({ ...auth, origin: `http://127.0.0.1:${port}` }))).status, 403);
    assert.equal((await app.fetch(req(auth, "/status"))).status, 404);
  });
});
