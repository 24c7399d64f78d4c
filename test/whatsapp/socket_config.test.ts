import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_CONNECTION_CONFIG, initAuthCreds, proto } from "@whiskeysockets/baileys";
import { createBaileysLogger } from "../../src/whatsapp/baileys_logger.ts";
import { buildSocketConfig, PINNED_WA_VERSION } from "../../src/whatsapp/socket_config.ts";

const settings = () => ({
  auth: { creds: initAuthCreds(), keys: { get: () => Promise.resolve({}), set: () => Promise.resolve() } },
  logger: createBaileysLogger({ level: "silent" }),
  getMessage: () => Promise.resolve(undefined),
  cachedGroupMetadata: () => Promise.resolve(undefined),
});

describe("socket configuration", () => {
  test("changes Baileys' harmful defaults: not online on connect, FULL history accepted, our logger, pinned version", () => {
    const s = settings();
    const c = buildSocketConfig(s);
    assert.equal(c.markOnlineOnConnect, false);
    assert.equal(DEFAULT_CONNECTION_CONFIG.shouldSyncHistoryMessage({ syncType: proto.HistorySync.HistorySyncType.FULL }), false, "Baileys' default refuses FULL");
    for (const t of Object.values(proto.HistorySync.HistorySyncType).filter((v) => typeof v === "number")) {
      assert.equal(c.shouldSyncHistoryMessage!({ syncType: t as number }), true, `sync type ${t}`);
    }
    assert.equal(c.logger, s.logger);
    assert.deepEqual(c.version, [2, 3000, 1043857760]);
    assert.deepEqual(c.version, PINNED_WA_VERSION);
    assert.equal(c.getMessage, s.getMessage);
    assert.equal(c.cachedGroupMetadata, s.cachedGroupMetadata);
    assert.equal(c.generateHighQualityLinkPreview, false);
  });

  test("WebSocket URL and timeouts are configurable, and test overrides have the last word (but not over auth)", () => {
    const s = settings();
    const c = buildSocketConfig({
      ...s,
      waWebSocketUrl: "ws://127.0.0.1:4567/ws/chat",
      defaultQueryTimeoutMs: 1500,
      connectTimeoutMs: 2500,
      overrides: { keepAliveIntervalMs: 999, auth: undefined as never },
    });
    assert.equal(c.waWebSocketUrl, "ws://127.0.0.1:4567/ws/chat");
    assert.equal(c.defaultQueryTimeoutMs, 1500);
    assert.equal(c.connectTimeoutMs, 2500);
    assert.equal(c.keepAliveIntervalMs, 999);
    assert.equal(c.auth, s.auth);
    assert.equal(buildSocketConfig(s).waWebSocketUrl, undefined, "Baileys' own URL unless configured");
  });

  test("only wa_version.ts fetches the WhatsApp Web version; no file auth state, no QR printing", () => {
    const root = fileURLToPath(new URL("../../src/whatsapp/", import.meta.url)).replace(/dist[\\/]src/, "src");
    const files: string[] = [];
    const walk = (d: string) => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else if (n.endsWith(".ts")) files.push(p);
      }
    };
    walk(root);
    assert.ok(files.length > 10, `found the sources in ${root}`);
    for (const f of files) {
      const code = readFileSync(f, "utf8").replace(/^\s*(\/\/|\*|\/\*\*).*$/gm, "");
      for (const banned of ["fetchLatestBaileysVersion", "fetchLatestWaWebVersion", "useMultiFileAuthState", "printQRInTerminal", "console.log", "from \"node:", "Deno."]) {
        // The one fetch of the current version (injected away in tests, skipped for custom WebSocket URLs).
        if (banned === "fetchLatestWaWebVersion" && f.endsWith("wa_version.ts")) continue;
        assert.ok(!code.includes(banned), `${f} uses ${banned}`);
      }
    }
  });
});
