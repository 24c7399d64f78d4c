import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { configureLogging } from "../../src/log.ts";
import { createBaileysLogger } from "../../src/whatsapp/baileys_logger.ts";

const QR = "2@AbCdEfGhIjKlMnOp,NoIsEkEyBaSe64==,IdEnTiTyKeY==,AdVsEcReT==,1";

function capture(fn: () => void): string[] {
  const lines: string[] = [];
  configureLogging({ level: "debug", sink: (l) => void lines.push(l) });
  try {
    fn();
  } finally {
    configureLogging({ level: "info", sink: (l) => console.error(l) });
  }
  return lines;
}

describe("Baileys logger", () => {
  test("keeps the message and harmless fields, drops stanzas, keys, bodies, QR codes and numbers", () => {
    const lines = capture(() => {
      const log = createBaileysLogger({ level: "debug" }).child({ class: "baileys" });
      log.info(
        { node: { tag: "message", attrs: { from: "491711111111@s.whatsapp.net" } }, key: { remoteJid: "491711111111@s.whatsapp.net" }, msg: { conversation: "my secret" }, qr: QR, count: 3, statusCode: 428 },
        "recv message from 491711111111@s.whatsapp.net",
      );
      log.warn("offline preview received", JSON.stringify({ tag: "ib", body: "my secret" }) as never);
      log.error({ err: Object.assign(new Error("Stream Errored (conflict) for 491711111111@s.whatsapp.net"), { output: { statusCode: 440 } }) }, "stream errored out");
    });
    assert.equal(lines.length, 3);
    const all = lines.join("\n");
    for (const secret of ["my secret", "491711111111", QR, "AbCdEf", "remoteJid", "\"node\""]) assert.ok(!all.includes(secret), `leaked ${secret}: ${all}`);
    const first = JSON.parse(lines[0]);
    assert.equal(first.name, "baileys");
    assert.equal(first.msg, "recv message from <jid>");
    assert.equal(first.count, 3);
    assert.equal(first.statusCode, 428);
    assert.equal(first.class, "baileys");
    assert.equal(JSON.parse(lines[1]).msg, "offline preview received");
    assert.deepEqual(JSON.parse(lines[2]).err, { name: "Error", message: "Stream Errored (conflict) for <jid>", statusCode: 440 });
  });

  test("honours its level (Baileys checks logger.level before building trace output)", () => {
    const lines = capture(() => {
      const log = createBaileysLogger({ level: "warn" });
      assert.equal(log.level, "warn");
      log.trace({}, "t");
      log.debug({}, "d");
      log.info({}, "i");
      log.warn({}, "w");
      log.child({}).error({}, "e");
    });
    assert.deepEqual(lines.map((l) => JSON.parse(l).msg), ["w", "e"]);
    const silent = capture(() => createBaileysLogger({ level: "silent" }).error({}, "x"));
    assert.deepEqual(silent, []);
  });

  test("a real Baileys socket at trace level, and libsignal's console prints, write nothing to stdout (the MCP stdio channel)", () => {
    const self = fileURLToPath(import.meta.url);
    const isTs = self.endsWith(".ts");
    const probe = self.replace(/baileys_logger\.test\.(ts|js)$/, `probe/stdout_probe.${isTs ? "ts" : "js"}`);
    const argv = isTs ? ["run", "-A", "--no-check", probe] : [probe];
    const r = spawnSync(process.execPath, argv, { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, `probe exited ${r.status}: ${r.stderr.slice(-500)}`);
    assert.equal(r.stdout, "", "stdout must stay empty");
    assert.match(r.stderr, /"name":"baileys"/, "Baileys logged to stderr through our logger");
    assert.match(r.stderr, /whatsapp connection closed/);
    assert.match(r.stderr, /"msg":"Closing session:"/, "libsignal's print was rerouted to the stderr logger");
    assert.ok(!r.stderr.includes("PRIVATE-KEY-MATERIAL"), "the session record it printed was dropped");
  });
});
