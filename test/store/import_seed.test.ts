import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import initSqlJs from "sql.js";
import type { Config } from "../../src/config/config.ts";
import { directPathFromUrl, importSeed, parseSeedTimestamp, SeedFormatError, seedSenderJid } from "../../src/store/import/seed.ts";
import { runImportSeed } from "../../src/store/import/cli.ts";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";

const root = mkdtempSync(join(tmpdir(), "wa-seed-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const PEER = "4915112345678@s.whatsapp.net";
const GROUP = "120363000000000001@g.us";
const MEDIA_URL = "https://mmg.whatsapp.net/v/t62.7118-24/12345_abc.enc?ccb=11-4&oh=01_Q&oe=67A0&_nc_sid=5e03e0";

/** A seed database with the Go bridge's schema (store/messages.db), built with sql.js. */
async function buildSeed(): Promise<Uint8Array> {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run(`CREATE TABLE chats (jid TEXT PRIMARY KEY, name TEXT, last_message_time TIMESTAMP);
    CREATE TABLE messages (id TEXT, chat_jid TEXT, sender TEXT, content TEXT, timestamp TIMESTAMP, is_from_me BOOLEAN,
      media_type TEXT, filename TEXT, url TEXT, media_key BLOB, file_sha256 BLOB, file_enc_sha256 BLOB, file_length INTEGER,
      PRIMARY KEY (id, chat_jid), FOREIGN KEY (chat_jid) REFERENCES chats(jid));`);
  const chat = db.prepare("INSERT INTO chats VALUES (?, ?, ?)");
  chat.run([PEER, "Alice", "2025-01-15 12:00:00+02:00"]);
  chat.run([GROUP, "Team", "2025-01-15 11:00:00.5+01:00"]);
  chat.run(["status@broadcast", null, null]);
  chat.free();
  const m = db.prepare("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  // Live format: bare number as sender, offset timestamp.
  m.run(["M1", PEER, "4915112345678", "hello café", "2025-01-15 10:00:00+02:00", 0, "", "", "", null, null, null, 0]);
  m.run(["M2", PEER, "", "my reply", "2025-01-15T08:00:01Z", 1, "", "", "", null, null, null, 0]);
  // History format: full JID as sender, fractional seconds.
  m.run(["G1", GROUP, "4915112345678@s.whatsapp.net", "from history", "2025-01-15 09:00:00.123456789+00:00", 0, "", "", "", null, null, null, 0]);
  m.run(["G2", GROUP, "14155550100", "", "2025-01-15 10:30:00 +0100 CET m=+0.000123", 0, "document", "Report.pdf", MEDIA_URL,
    new Uint8Array([1, 2, 3]), new Uint8Array([4]), new Uint8Array([5]), 2048]);
  m.run(["BAD", GROUP, "1", "x", "yesterday-ish", 0, "", "", "", null, null, null, 0]);
  m.free();
  const bytes = db.export();
  db.close();
  return bytes;
}

describe("parseSeedTimestamp()", () => {
  test("reads every format the Go bridge wrote as a UTC instant", () => {
    const at = Date.parse("2025-01-15T08:00:00Z");
    for (const s of [
      "2025-01-15 10:00:00+02:00",
      "2025-01-15T10:00:00+02:00",
      "2025-01-15T08:00:00Z",
      "2025-01-15 08:00:00",
      "2025-01-15 03:00:00-05:00",
      "2025-01-15 10:00:00 +0200 CEST",
      "2025-01-15 10:00:00 +0200 CEST m=+3.000000001",
      "2025-01-15 08:00:00 UTC",
      "2025-01-15 10:00+02:00",
    ]) assert.equal(parseSeedTimestamp(s), at, s);
    assert.equal(parseSeedTimestamp("2025-01-15 10:00:00.987654321+02:00"), at + 987);
    assert.equal(parseSeedTimestamp("2025-01-15T08:00:00.5Z"), at + 500);
    assert.equal(parseSeedTimestamp(1736928000), at);
    assert.equal(parseSeedTimestamp(1736928000000), at);
    assert.equal(parseSeedTimestamp("1736928000"), at);
  });

  test("refuses what is not a time", () => {
    for (const s of ["", "yesterday", "2025-02-30 10:00:00Z", "2025-01-15 25:00:00Z", null, {}]) assert.equal(parseSeedTimestamp(s), null);
  });

  test("senders in either form become one JID; media URLs give the download path", () => {
    assert.equal(seedSenderJid("4915112345678"), PEER);
    assert.equal(seedSenderJid("4915112345678@s.whatsapp.net"), PEER);
    assert.equal(seedSenderJid("4915112345678:3@s.whatsapp.net"), PEER);
    assert.equal(seedSenderJid("201234567890123@lid"), "201234567890123@lid");
    assert.equal(seedSenderJid(""), null);
    // The one phone rule (src/ids/phone.ts, E.164): a bare number without a country code names nobody.
    assert.equal(seedSenderJid("+4915112345678"), PEER);
    assert.equal(seedSenderJid("4915112345678:3"), PEER);
    assert.equal(seedSenderJid("015112345678"), null, "a national number with a trunk 0");
    assert.equal(seedSenderJid("12345"), null, "too short for E.164");
    assert.equal(seedSenderJid("1234567890123456"), null, "longer than E.164's 15 digits");
    assert.equal(directPathFromUrl(MEDIA_URL), "/v/t62.7118-24/12345_abc.enc?ccb=11-4&oh=01_Q&oe=67A0&_nc_sid=5e03e0");
    assert.equal(directPathFromUrl("https://evil.example/v/x"), null);
  });
});

describe("importSeed()", () => {
  test("imports chats and messages with instants, people and media, and a second run adds nothing", async () => {
    const bytes = await buildSeed();
    const SQL = await initSqlJs();
    const repo = await openSqljsRepository({ dir: join(root, `r${++n}`) });
    try {
      const r1 = await importSeed({ bytes, sql: SQL, repo });
      assert.deepEqual([r1.chats, r1.messages, r1.skipped], [3, 4, 1]);
      assert.deepEqual(r1.warnings, ["1 row(s) skipped: unreadable timestamp"]);

      const m1 = await repo.getMessage(PEER, "M1");
      assert.equal(m1?.ts, Date.parse("2025-01-15T08:00:00Z"));
      assert.equal(m1?.senderId, PEER);
      assert.equal(m1?.fromMe, false);
      assert.equal(m1?.chatName, "Alice");
      const m2 = await repo.getMessage(PEER, "M2");
      assert.equal(m2?.fromMe, true);
      assert.equal(m2?.ts, Date.parse("2025-01-15T08:00:01Z"));
      // Both sender forms are the same person: one sender filter finds both.
      const fromPeer = await repo.listMessages({ senderId: "4915112345678", limit: 10 });
      assert.deepEqual(fromPeer.items.map((m) => m.id).sort(), ["G1", "M1"]);
      const g1 = await repo.getMessage(GROUP, "G1");
      assert.equal(g1?.ts, Date.parse("2025-01-15T09:00:00.123Z"));
      const g2 = await repo.getMessage(GROUP, "G2");
      assert.equal(g2?.type, "document");
      assert.equal(g2?.text, null);
      assert.equal(g2?.ts, Date.parse("2025-01-15T09:30:00Z"));
      assert.deepEqual(g2?.media, {
        mimetype: null,
        fileName: "Report.pdf",
        fileLength: 2048,
        durationSec: null,
        directPath: "/v/t62.7118-24/12345_abc.enc?ccb=11-4&oh=01_Q&oe=67A0&_nc_sid=5e03e0",
        url: MEDIA_URL,
        mediaKey: new Uint8Array([1, 2, 3]),
        fileSha256: new Uint8Array([4]),
        fileEncSha256: new Uint8Array([5]),
        mediaKeyTimestamp: null,
      });
      const chats = await repo.listChats({ sortBy: "name", includeLastMessage: false, limit: 10 });
      assert.deepEqual(chats.items.map((c) => [c.jid, c.kind, c.name]), [
        [PEER, "person", "Alice"],
        [GROUP, "group", "Team"],
        ["status@broadcast", "broadcast", null],
      ]);
      assert.equal((await repo.getChat(PEER, false))?.lastMessageAt, Date.parse("2025-01-15T10:00:00Z"));
      assert.deepEqual((await repo.listMessages({ query: "cafe", limit: 5 })).items.map((m) => m.id), ["M1"], "imported text is searchable");

      const before = await repo.stats();
      const r2 = await importSeed({ bytes, sql: SQL, repo });
      assert.equal(r2.messages, 4);
      const afterStats = await repo.stats();
      assert.deepEqual([afterStats.messages, afterStats.chats, afterStats.people], [before.messages, before.chats, before.people]);
      assert.equal((await repo.listMessages({ chatJid: GROUP, limit: 10 })).items.length, 2);
    } finally {
      await repo.close();
    }
  });

  test("a file that is not the Go bridge's store is refused with a clear error", async () => {
    const SQL = await initSqlJs();
    const other = new SQL.Database();
    other.run("CREATE TABLE notes (x TEXT)");
    const repo = await openSqljsRepository({ dir: join(root, `r${++n}`) });
    try {
      await assert.rejects(importSeed({ bytes: other.export(), sql: SQL, repo }), SeedFormatError);
      await assert.rejects(importSeed({ bytes: new TextEncoder().encode("not sqlite at all, just text".repeat(10)), sql: SQL, repo }), SeedFormatError);
    } finally {
      other.close();
      await repo.close();
    }
  });

  test("the CLI imports into the data folder and says the account must be linked again", async () => {
    const seedPath = join(root, "messages.db");
    writeFileSync(seedPath, await buildSeed());
    const dataDir = join(root, `cli${++n}`);
    const lines: string[] = [];
    const cfg = { commandArgs: [seedPath], dataDir, databaseUrl: null, sessionDatabaseUrl: null } as unknown as Config;
    assert.equal(await runImportSeed(cfg, (l) => lines.push(l)), 0);
    assert.ok(lines.some((l) => /3 chats and 4 messages imported/.test(l)), lines.join("\n"));
    assert.ok(lines.some((l) => /link the account again/.test(l)));
    assert.ok(lines.every((l) => !l.includes("4915112345678") && !l.includes("hello")), "no numbers or content printed");
    const repo = await openSqljsRepository({ dir: dataDir });
    try {
      assert.equal((await repo.stats()).messages, 4);
    } finally {
      await repo.close();
    }
    const usage: string[] = [];
    assert.equal(await runImportSeed({ ...cfg, commandArgs: [] }, (l) => usage.push(l)), 2);
    assert.match(usage[0]!, /usage: whatsapp-mcp import-seed/);
  });
});
