import "../sim/preload.ts";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DisconnectReason } from "@whiskeysockets/baileys";
import { memoryAuthState, startSimulator } from "../sim/index.ts";
import type { Sim } from "../sim/index.ts";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { login, pairByQr } from "./client.ts";

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** Runs bad-frame-child in a fresh process of the current runtime; returns its exit code and result line. */
function runChild(args: string[]): Promise<{ code: number | null; result?: { unhandled: string[]; arrived?: boolean; closedWith?: number } }> {
  const script = fileURLToPath(new URL(`./bad-frame-child.${isDeno ? "ts" : "js"}`, import.meta.url));
  const argv = isDeno ? ["run", "-A", "--no-check", script, ...args] : [script, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("SIMRESULT "));
      resolve({ code, result: line ? JSON.parse(line.slice("SIMRESULT ".length)) : undefined });
    });
  });
}

describe("simulator: fault injection against real Baileys", () => {
  let sim: Sim;
  const auth = memoryAuthState();
  before(async () => {
    sim = await startSimulator();
    await pairByQr(sim, auth);
  });
  after(async () => {
    sim.faults.iqDelayMs = 0;
    await sim.close();
  });

  test("slow iq answers (within the query timeout) only delay a send: the contact still gets it", async () => {
    const client = await login(sim, auth);
    try {
      const carol = sim.contact("15551230003", { name: "Carol" });
      sim.faults.iqDelayMs = 300;
      const sent = await client.sock.sendMessage(carol.jid, { text: "slowly" });
      const got = await carol.waitForMessage((m) => m.id === sent!.key.id);
      assert.equal(got.text, "slowly");
    } finally {
      sim.faults.iqDelayMs = 0;
      await client.end();
    }
  });

  test("a device lookup slower than defaultQueryTimeoutMs: Baileys still resolves sendMessage but sends the message to nobody", async () => {
    const client = await login(sim, auth, { defaultQueryTimeoutMs: 300 });
    try {
      const dave = sim.contact("15551230004", { name: "Dave" });
      sim.faults.iqDelayMs = 1000;
      sim.faults.iqDelayXmlns = ["usync"];
      const sent = await client.sock.sendMessage(dave.jid, { text: "lost" });
      const stanza = await sim.waitForStanza((s) => s.node.tag === "message" && s.node.attrs.id === sent!.key.id);
      const children = Array.isArray(stanza.node.content) ? stanza.node.content.map((c) => c.tag) : [];
      assert.equal(children.includes("participants"), false, "no <participants>: Baileys 7.0.0-rc14 sends to nobody");
      assert.deepEqual(dave.received(), []);
    } finally {
      sim.faults.iqDelayMs = 0;
      sim.faults.iqDelayXmlns = [];
      await client.end();
    }
  });

  test("a frame that is not a stanza: Baileys rejects an unhandled promise ('end of stream') but keeps the connection", async () => {
    const r = await runChild(["stanza"]);
    assert.equal(r.code, 0);
    assert.deepEqual(r.result?.unhandled, ["end of stream"]);
    assert.equal(r.result?.arrived, true, "the next message still arrives");
  });

  test("the same bad frame kills a process that has no unhandledRejection handler", async () => {
    const r = await runChild(["stanza", "no-handler"]);
    assert.notEqual(r.code, 0);
    assert.equal(r.result, undefined);
  });

  test("after a frame that fails decryption the client reads nothing more and closes with 408 at its keep-alive check", async () => {
    const r = await runChild(["cipher"]);
    assert.equal(r.code, 0);
    assert.equal(r.result?.closedWith, DisconnectReason.connectionLost);
    assert.ok((r.result?.unhandled.length ?? 0) >= 1, "the failed decryption surfaces as an unhandled rejection");
  });

  test("no simulated party failed to decrypt anything", () => {
    assert.deepEqual(sim.errors, []);
  });
});
