import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildConfig, ConfigError } from "../../src/config/parse.ts";
import { defaultDataDir } from "../../src/config/paths.ts";
import { helpText } from "../../src/config/help.ts";
import { OPTIONS } from "../../src/config/options.ts";

const linux = { platform: "linux", home: "/home/ana", env: {} };

describe("buildConfig", () => {
  test("defaults give stdio, the status page on 127.0.0.1:8080 and the per-user store", () => {
    const c = buildConfig([], {}, linux);
    assert.equal(c.command, "serve");
    assert.equal(c.transport, "stdio");
    assert.deepEqual(c.http, { enabled: true, host: "127.0.0.1", port: 8080, publicUrl: null, trustedProxyHops: 0 });
    assert.equal(c.dataDir, "/home/ana/.local/share/whatsapp-mcp");
    assert.equal(c.databaseUrl, null);
    assert.equal(c.readOnly, false);
    assert.equal(c.sendPolicy.confirm, "first_contact");
    assert.deepEqual(c.mediaRoots, ["/home/ana/.local/share/whatsapp-mcp/outbox", "/home/ana/.local/share/whatsapp-mcp/downloads"]);
  });

  test("reads the original's variable names", () => {
    const c = buildConfig([], {
      DATABASE_URL: "postgres://u:p@db:5432/wa",
      WHATSAPP_SESSION_DATABASE_URL: "postgresql://u:p@db2/s",
      MCP_TRANSPORT: "sse",
      MCP_PORT: "8000",
    }, linux);
    assert.equal(c.databaseUrl, "postgres://u:p@db:5432/wa");
    assert.equal(c.sessionDatabaseUrl, "postgresql://u:p@db2/s");
    assert.equal(c.transport, "http");
    assert.equal(c.transportWasSse, true);
    assert.equal(c.http.port, 8000);
  });

  test("flags win over environment variables", () => {
    const c = buildConfig(["--port", "9000", "--read-only"], { MCP_PORT: "8000" }, linux);
    assert.equal(c.http.port, 9000);
    assert.equal(c.readOnly, true);
    assert.equal(buildConfig(["--port=9001"], {}, linux).http.port, 9001);
  });

  test("the pairing phone follows the one phone rule (src/ids/phone.ts)", () => {
    assert.equal(buildConfig([], { WHATSAPP_PAIRING_PHONE: "+49 (151) 123-45678" }, linux).whatsapp.pairingPhone, "4915112345678");
    assert.equal(buildConfig(["--pairing-phone", "0049 151 12345678"], {}, linux).whatsapp.pairingPhone, "4915112345678");
    assert.throws(() => buildConfig([], { WHATSAPP_PAIRING_PHONE: "0151 1234567" }, linux), /Invalid WHATSAPP_PAIRING_PHONE: expected a phone number with country code/);
  });

  test("the schedule grace: 60 minutes by default; a duration or minutes; at most 7 days", () => {
    assert.equal(buildConfig([], {}, linux).scheduleGraceMs, 60 * 60_000);
    assert.equal(buildConfig([], { WHATSAPP_MCP_SCHEDULE_GRACE: "30m" }, linux).scheduleGraceMs, 30 * 60_000);
    assert.equal(buildConfig([], { WHATSAPP_MCP_SCHEDULE_GRACE: "90" }, linux).scheduleGraceMs, 90 * 60_000);
    assert.equal(buildConfig(["--schedule-grace", "2h"], {}, linux).scheduleGraceMs, 2 * 3_600_000);
    assert.equal(buildConfig([], { WHATSAPP_MCP_SCHEDULE_GRACE: "0" }, linux).scheduleGraceMs, 0);
    assert.throws(() => buildConfig([], { WHATSAPP_MCP_SCHEDULE_GRACE: "soon" }, linux), /Invalid WHATSAPP_MCP_SCHEDULE_GRACE: expected a duration such as 30m/);
    assert.throws(() => buildConfig([], { WHATSAPP_MCP_SCHEDULE_GRACE: "8d" }, linux), /at most 7 days/);
  });

  test("a bad value names the variable and what is wrong", () => {
    assert.throws(() => buildConfig([], { MCP_PORT: "abc" }, linux), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, 'Invalid MCP_PORT: expected an integer from 0 to 65535, got "abc"');
      return true;
    });
    assert.throws(() => buildConfig([], { MCP_TRANSPORT: "carrier-pigeon" }, linux), /Invalid MCP_TRANSPORT: expected stdio or http/);
    assert.throws(() => buildConfig(["--port", "70000"], {}, linux), /Invalid --port: expected an integer from 0 to 65535/);
    assert.throws(() => buildConfig(["--bogus"], {}, linux), /Unknown option --bogus/);
    assert.throws(() => buildConfig([], { WHATSAPP_MCP_READ_ONLY: "maybe" }, linux), /Invalid WHATSAPP_MCP_READ_ONLY: expected true or false/);
  });

  test("X-Forwarded-For is trusted only for the proxy hops a setting names", () => {
    assert.equal(buildConfig(["--trusted-proxy-hops", "1"], {}, linux).http.trustedProxyHops, 1);
    assert.equal(buildConfig([], { MCP_TRUSTED_PROXY_HOPS: "2" }, linux).http.trustedProxyHops, 2);
    assert.throws(() => buildConfig([], { MCP_TRUSTED_PROXY_HOPS: "yes" }, linux), /Invalid MCP_TRUSTED_PROXY_HOPS/);
  });

  test("WHATSAPP_SESSION_KEY must be 32 bytes (base64 or hex) and is never echoed back", () => {
    const key = "ab".repeat(32);
    assert.equal(buildConfig([], { WHATSAPP_SESSION_KEY: key }, linux).sessionKey, key);
    assert.equal(buildConfig([], {}, linux).sessionKey, null);
    assert.throws(() => buildConfig([], { WHATSAPP_SESSION_KEY: "my-secret-passphrase" }, linux), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^Invalid WHATSAPP_SESSION_KEY: expected 32 random bytes as base64 \(openssl rand -base64 32\) or 64 hex digits, got \(value hidden\)$/);
      return true;
    });
  });

  test("the store's answer to a damaged file is a real option: fail by default, start-fresh when asked", () => {
    assert.equal(buildConfig([], {}, linux).onCorrupt, "fail");
    assert.equal(buildConfig([], { WHATSAPP_MCP_ON_CORRUPT: "start-fresh" }, linux).onCorrupt, "start-fresh");
    assert.equal(buildConfig(["--on-corrupt", "start-fresh"], {}, linux).onCorrupt, "start-fresh");
    assert.throws(() => buildConfig(["--on-corrupt", "ignore"], {}, linux), /Invalid --on-corrupt: expected fail or start-fresh/);
  });

  test("the days a raw keeps its details: 30 by default, a number or all (null) when asked", () => {
    assert.equal(buildConfig([], {}, linux).warmUpMs, 1000);
    assert.equal(buildConfig([], { WHATSAPP_MCP_WARM_UP_MS: "0" }, linux).warmUpMs, 0);
    assert.equal(buildConfig(["--warm-up-ms", "250"], {}, linux).warmUpMs, 250);
    assert.throws(() => buildConfig([], { WHATSAPP_MCP_WARM_UP_MS: "-1" }, linux), /WHATSAPP_MCP_WARM_UP_MS/);
    assert.equal(buildConfig([], {}, linux).rawDetailDays, 30);
    assert.equal(buildConfig([], { WHATSAPP_MCP_RAW_DETAIL_DAYS: "7" }, linux).rawDetailDays, 7);
    assert.equal(buildConfig([], { WHATSAPP_MCP_RAW_DETAIL_DAYS: " All " }, linux).rawDetailDays, null);
    assert.equal(buildConfig(["--raw-detail-days", "0"], {}, linux).rawDetailDays, 0);
    assert.throws(() => buildConfig(["--raw-detail-days", "-1"], {}, linux), /Invalid --raw-detail-days: expected a number of days or all/);
  });

  test("secrets are not echoed in errors", () => {
    assert.throws(() => buildConfig([], { DATABASE_URL: "mysql://user:hunter2@x/db" }, linux), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.ok(!String((e as Error).message).includes("hunter2"));
      return true;
    });
  });

  test("the original's file: DATABASE_URL keeps the local store in that folder", () => {
    const c = buildConfig([], { DATABASE_URL: "file:/srv/wa/store/messages.db?_foreign_keys=on" }, linux);
    assert.equal(c.databaseUrl, null);
    assert.equal(c.dataDir, "/srv/wa/store");
  });

  test("OAuth needs an audience and an allow-list", () => {
    assert.throws(() => buildConfig([], { OAUTH_ENABLED: "true" }, linux), /OAUTH_AUDIENCE/);
    assert.throws(() => buildConfig([], { OAUTH_ENABLED: "true", GOOGLE_CLIENT_ID: "abc.apps" }, linux), /OAUTH_ALLOWED/);
    const c = buildConfig([], { OAUTH_ENABLED: "true", GOOGLE_CLIENT_ID: "abc.apps", OAUTH_ALLOWED_EMAILS: "a@b.c" }, linux);
    assert.equal(c.auth.oauth?.issuer, "https://accounts.google.com");
    assert.equal(c.auth.oauth?.audience, "abc.apps");
  });

  test("commands and help", () => {
    assert.equal(buildConfig(["--help"], {}, linux).command, "help");
    const imp = buildConfig(["import-seed", "/tmp/messages.db"], {}, linux);
    assert.equal(imp.command, "import-seed");
    assert.deepEqual(imp.commandArgs, ["/tmp/messages.db"]);
    assert.throws(() => buildConfig(["frobnicate"], {}, linux), /Unknown command "frobnicate"/);
  });

  test("--help lists every option and every environment variable", () => {
    const text = helpText("0.0.0");
    for (const o of OPTIONS) {
      assert.ok(text.includes(o.flag), o.flag);
      for (const e of o.env) assert.ok(text.includes(e), e);
    }
  });
});

describe("defaultDataDir", () => {
  test("Windows uses %LOCALAPPDATA%", () => {
    assert.equal(
      defaultDataDir({ platform: "win32", home: "C:\\Users\\ana", env: { LOCALAPPDATA: "C:\\Users\\ana\\AppData\\Local" } }),
      "C:\\Users\\ana\\AppData\\Local\\whatsapp-mcp",
    );
    assert.equal(defaultDataDir({ platform: "win32", home: "C:\\Users\\ana", env: {} }), "C:\\Users\\ana\\AppData\\Local\\whatsapp-mcp");
  });
  test("macOS uses Application Support", () => {
    assert.equal(defaultDataDir({ platform: "darwin", home: "/Users/ana", env: {} }), "/Users/ana/Library/Application Support/whatsapp-mcp");
  });
  test("Linux honours an absolute XDG_DATA_HOME only", () => {
    assert.equal(defaultDataDir({ platform: "linux", home: "/home/ana", env: { XDG_DATA_HOME: "/data" } }), "/data/whatsapp-mcp");
    assert.equal(defaultDataDir({ platform: "linux", home: "/home/ana", env: { XDG_DATA_HOME: "rel" } }), "/home/ana/.local/share/whatsapp-mcp");
  });
});
