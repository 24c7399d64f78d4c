/**
 * Before/after on the same generated data, for PostgreSQL: the bulk writer must leave exactly the
 * rows the one-op-at-a-time writer leaves (every table, pks and search vectors included), and the
 * read queries must answer exactly the same, whichever way a search finds its page (the recent
 * window or the full-text index), and the same as the sql.js store given the same history.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { prng, vocabulary } from "../../src/bench/store.ts";
import { applyPostgres } from "../../src/store/postgres/apply.ts";
import { FRESH_RUNS_BEFORE_GUESS, FreshRuns } from "../../src/store/postgres/apply_bulk.ts";
import type { FreshOdds } from "../../src/store/postgres/apply_shared.ts";
import { migratePostgres } from "../../src/store/postgres/migrate.ts";
import { openPostgresRepository } from "../../src/store/postgres/repository.ts";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import type { ListMessagesQuery, MessageRow, MessageType, Repository, WriteOp } from "../../src/store/types.ts";
import { pgTestServer } from "./pg_harness.ts";

const pgServer = await pgTestServer("wa_bulk");
const root = mkdtempSync(join(tmpdir(), "wa-pg-bulk-"));
after(() => rmSync(root, { recursive: true, force: true }));

const T0 = Date.parse("2025-03-01T00:00:00Z");

/** A deterministic history with every case the bulk writer reorders or merges. */
function history(seed: number): { batches: WriteOp[][]; chats: string[]; people: string[]; words: string[] } {
  const rnd = prng(seed);
  const words = vocabulary(300, rnd);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const people = Array.from({ length: 24 }, (_, i) => `4915${String(100000 + i)}@s.whatsapp.net`);
  const lids = people.slice(0, 8).map((_, i) => `20${String(1000000000000 + i)}@lid`);
  const groups = Array.from({ length: 4 }, (_, i) => `1203630000000000${i}@g.us`);
  const chats = [...people.slice(0, 10), ...lids.slice(0, 3), ...groups];
  const batches: WriteOp[][] = [[
    ...people.map((pn, i): WriteOp => ({ op: "upsertPerson", person: { pnJid: pn, pushName: `${pick(words)} ${i}`, savedName: i % 3 ? null : `Saved ${i}` } })),
    ...groups.map((jid, i): WriteOp => ({ op: "upsertChat", chat: { jid, name: `Group ${words[40 + i]}` } })),
    ...groups.map((jid): WriteOp => ({ op: "setParticipants", groupJid: jid, mode: "replace", participants: [...people.slice(0, 6), lids[6]!].map((personId) => ({ personId, admin: null })) })),
  ]];
  const stored: Array<{ chat: string; id: string }> = [];
  let seq = 0;
  const message = (chat: string, ts: number, extra: Partial<MessageRow> = {}): MessageRow => {
    const r = rnd();
    const type: MessageType = r < 0.8 ? "text" : r < 0.9 ? "image" : "document";
    const len = 1 + Math.floor(rnd() * 8);
    const text = Array.from({ length: len }, () => words[Math.floor(Math.pow(rnd(), 3) * words.length)]!).join(" ") + (rnd() < 0.05 ? " see you tomorrow" : "");
    const group = chat.endsWith("@g.us");
    const fromMe = rnd() < 0.3;
    return {
      chatJid: chat, id: `ID${(seq++).toString(36).toUpperCase()}`, senderId: fromMe ? "4917000000000@s.whatsapp.net" : group ? pick([...people.slice(0, 6), lids[6]!]) : chat,
      fromMe, ts, type, text: type === "image" && rnd() < 0.5 ? null : text, quotedId: null, editedText: null, editedAt: null, revoked: false, viewOnce: false,
      status: fromMe ? 2 : null,
      media: type === "text" ? null : {
        mimetype: type === "image" ? "image/jpeg" : "application/pdf", fileName: type === "document" ? `${pick(words)} report.pdf` : null, fileLength: 1000 + seq,
        durationSec: null, directPath: `/v/${seq}`, url: null, mediaKey: new Uint8Array([seq & 255, 1, 2]), fileSha256: null, fileEncSha256: new Uint8Array([3, seq & 255]), mediaKeyTimestamp: 1700000000,
      },
      raw: rnd() < 0.5 ? new Uint8Array([8, seq & 255, 0, 255]) : null,
      ...extra,
    };
  };
  for (let b = 0; b < 14; b++) {
    const ops: WriteOp[] = [];
    const base = T0 + b * 3_600_000;
    for (let k = 0; k < 90; k++) {
      const chat = pick(chats);
      // Whole seconds, and bursts in one millisecond: pks take slots in arrival order.
      const ts = k % 15 < 4 ? base + 5000 : base + Math.floor(rnd() * 3600) * 1000;
      const m = message(chat, ts);
      ops.push({ op: "upsertMessage", message: m });
      stored.push({ chat, id: m.id });
      const r = rnd();
      if (r < 0.08) ops.push({ op: "upsertMessage", message: { ...m, text: null, type: "other", status: 4, editedText: `${pick(words)} changed`, editedAt: ts + 10 } });
      else if (r < 0.14) ops.push({ op: "upsertReaction", reaction: { chatJid: chat, messageId: m.id, reactorId: pick(people), emoji: pick(["👍", "❤️", ""]), ts: ts + 500 } });
      else if (r < 0.18) ops.push({ op: "upsertReceipt", receipt: { chatJid: chat, messageId: m.id, personId: pick(people), type: pick(["delivered", "read"] as const), ts: ts + 900 } });
      if (k % 30 === 7 && stored.length > 20) {
        const old = pick(stored);
        ops.push(pick<WriteOp>([
          { op: "upsertMessage", message: message(old.chat, base, { id: old.id, text: `${pick(words)} again` }) },
          { op: "editMessage", chatJid: old.chat, id: old.id, text: `${pick(words)} edited`, editedAt: base + 1, by: { fromMe: false, id: old.chat } },
          { op: "revokeMessage", chatJid: old.chat, id: old.id, by: { fromMe: false, id: old.chat } },
          { op: "setMessageStatus", chatJid: old.chat, id: old.id, status: 3 },
          { op: "upsertReaction", reaction: { chatJid: old.chat, messageId: old.id, reactorId: people[1]!, emoji: "", ts: base } },
          { op: "upsertReceipt", receipt: { chatJid: old.chat, messageId: old.id, personId: people[2]!, type: "read", ts: base - 5 } },
        ]));
      }
    }
    if (b === 3) {
      // Changes for messages that arrive later in the same batch and in the next one.
      ops.unshift({ op: "editMessage", chatJid: people[4]!, id: "LATE1", text: "held edit words", editedAt: base + 99, by: { fromMe: false, id: people[4]! } });
      ops.unshift({ op: "revokeMessage", chatJid: people[5]!, id: "LATE2", by: { fromMe: false, id: people[5]! } });
      ops.push({ op: "upsertMessage", message: message(people[4]!, base + 7000, { id: "LATE1", text: "late original" }) });
      ops.push({ op: "deleteMessage", chatJid: stored[10]!.chat, id: stored[10]!.id });
    }
    if (b === 4) ops.splice(40, 0, { op: "upsertMessage", message: message(people[5]!, base + 8000, { id: "LATE2", text: "revoked before" }) });
    if (b === 6) ops.splice(30, 0, { op: "linkLid", lid: lids[1]!, pnJid: people[1]! }, { op: "linkLid", lid: lids[6]!, pnJid: people[6]! });
    if (b === 9) ops.splice(20, 0, { op: "upsertPerson", person: { pnJid: people[2]!, lid: lids[2]!, savedName: "Linked Later" } });
    // What a history sync interleaves with its messages (mapping/messages.ts): the chat and the
    // sender, with names; links already known (after b 6) and first ones; a chat of another kind.
    for (let k = ops.length - 1; k > 0; k -= 3) {
      const at = ops[k];
      if (at?.op !== "upsertMessage") continue;
      const m = at.message;
      const extra: WriteOp[] = [{ op: "upsertChat", chat: { jid: m.chatJid, kind: m.chatJid.endsWith("@g.us") ? "group" : "person", ...(k % 2 ? { name: `Chat ${pick(words)}` } : {}) } }];
      if (m.senderId && !m.fromMe) extra.push({ op: "upsertPerson", person: { id: m.senderId, pushName: rnd() < 0.7 ? `${pick(words)} push` : null, businessName: rnd() < 0.1 ? "Biz" : null } });
      if (b >= 7 && rnd() < 0.2) extra.push(pick<WriteOp>([{ op: "linkLid", lid: lids[1]!, pnJid: people[1]! }, { op: "upsertPerson", person: { pnJid: people[6]!, lid: lids[6]!, pushName: `${pick(words)} linked` } }]));
      ops.splice(k, 0, ...extra);
    }
    if (b === 10) ops.splice(50, 0, { op: "linkLid", lid: lids[3]!, pnJid: people[3]! }, { op: "upsertChat", chat: { jid: "4915199999999@s.whatsapp.net", kind: "broadcast" } });
    if (b === 11) {
      // A change held for a message that then arrives twice in one run, and one that arrives once.
      ops.unshift({ op: "editMessage", chatJid: people[7]!, id: "LATE3", text: "held twice", editedAt: base + 99, by: { fromMe: false, id: people[7]! } });
      ops.unshift({ op: "revokeMessage", chatJid: people[8]!, id: "LATE4", by: { fromMe: false, id: people[9]! } });
      ops.push({ op: "upsertMessage", message: message(people[7]!, base + 7000, { id: "LATE3", text: "late three" }) });
      ops.push({ op: "upsertMessage", message: message(people[8]!, base + 7100, { id: "LATE4", text: "late four, refused revoke" }) });
      ops.push({ op: "upsertMessage", message: message(people[7]!, base + 7000, { id: "LATE3", text: null, status: 3 }) });
    }
    batches.push(ops);
  }
  // Older messages into the period already stored, in more milliseconds than the slot span scan
  // reads (each millisecond probed), some in a millisecond already taken.
  batches.push(Array.from({ length: 60 }, (_, k): WriteOp => {
    const ts = k % 10 === 0 ? T0 + 5000 : T0 + Math.floor(rnd() * 14 * 3600) * 1000;
    return { op: "upsertMessage", message: message(pick(chats), ts, { text: `backfill ${pick(words)}` }) };
  }));
  // A run of new messages large enough for COPY, with text COPY must escape, and more messages in
  // one millisecond than it has slots (the rest go one by one).
  const odd = ["tab\there", "line\nbreak\r\nwindows", "back\\slash \\N", "quote ' and \" double", "lone \ud800 surrogate", "emoji 👍🏽 and é"];
  batches.push(Array.from({ length: 300 }, (_, k): WriteOp => {
    const m = message(pick(chats), T0 + 20 * 3_600_000 + k * 1000, { text: `${pick(odd)} ${pick(words)}` });
    return { op: "upsertMessage", message: { ...m, raw: new Uint8Array([0, 9, 10, 13, 92, k & 255]) } };
  }));
  batches.push(Array.from({ length: 1030 }, (_, k): WriteOp => ({ op: "upsertMessage", message: message(people[k % 3]!, T0 + 21 * 3_600_000, { text: `same millisecond ${k}` }) })));
  return { batches, chats, people, words };
}

async function dump(url: string): Promise<Record<string, unknown[]>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const out: Record<string, unknown[]> = {};
    for (const [table, order] of Object.entries({
      messages: "pk", chats: "jid", people: "id", participants: "group_jid, person_id", reactions: "chat_jid, message_id, reactor_id",
      receipts: "chat_jid, message_id, person_id, type", pending_changes: "chat_jid, id",
    })) {
      const cols = table === "pending_changes" ? "chat_jid, id, edited_text, edited_at, revoked" : table === "messages" ? "*, search::text AS search" : "*";
      out[table] = [...await sql.unsafe(`SELECT ${cols} FROM ${table} ORDER BY ${order}`)];
    }
    return out;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function writeAll(url: string, batches: WriteOp[][], bulk: boolean, odds?: FreshOdds): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migratePostgres(sql as never);
    for (const ops of batches) await sql.begin((tx) => applyPostgres(tx as never, ops, { bulk, odds }));
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** What the read tools answer on a store, as plain data: every list page by page. */
async function answers(repo: Repository, h: ReturnType<typeof history>): Promise<unknown[]> {
  const out: unknown[] = [];
  const common = h.words[0]!;
  const queries: Array<Omit<ListMessagesQuery, "limit">> = [];
  for (const query of [undefined, common, h.words[5]!, h.words[250]!, '"see you tomorrow"', `-${common}`, `${h.words[1]} OR ${h.words[200]}`, "edited", "report"]) {
    for (const filter of [{}, { chatJid: h.chats[0] }, { chatJid: h.chats[12] }, { senderId: h.people[1] }, { after: T0 + 3 * 3_600_000, before: T0 + 9 * 3_600_000 }, { types: ["image", "document"] as MessageType[] }, { hasMedia: true }]) {
      for (const order of ["newest", "oldest"] as const) queries.push({ query, order, ...filter });
    }
  }
  for (const q of queries) {
    let cursor: string | undefined;
    for (let page = 0; page < 3; page++) {
      const res = await repo.listMessages({ ...q, limit: 7, cursor });
      out.push([q, res.items.map((m) => [m.chatJid, m.id, m.text, m.editedText, m.revoked, m.status, m.senderName, m.chatName, m.reactions])]);
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
    out.push([q, "offset", (await repo.listMessages({ ...q, limit: 5, offset: 4 })).items.map((m) => m.id)]);
  }
  out.push((await repo.listChats({ sortBy: "last_active", includeLastMessage: true, limit: 50 })).items.map((c) => [c.jid, c.name, c.lastMessageAt, c.lastMessage?.id]));
  out.push((await repo.listChats({ sortBy: "name", includeLastMessage: false, limit: 50, query: "group" })).items.map((c) => c.jid));
  for (const who of ["saved", "4915", h.people[3]!]) out.push((await repo.searchContacts(who, 20)).map((p) => p.id));
  return out;
}

test("FreshRuns guesses after enough runs with no stored message, and a stored one or a miss starts over", () => {
  const odds = new FreshRuns();
  for (let i = 0; i < FRESH_RUNS_BEFORE_GUESS; i++) {
    assert.equal(odds.guess(), false);
    odds.looked(false);
  }
  assert.equal(odds.guess(), true);
  odds.missed();
  assert.equal(odds.guess(), false);
  for (let i = 0; i < FRESH_RUNS_BEFORE_GUESS - 1; i++) odds.looked(false);
  odds.looked(true);
  assert.equal(odds.guess(), false);
});

describe("PostgreSQL bulk writer and search plans, before/after on generated data", { skip: pgServer.skip }, () => {
  test("the bulk writer leaves every row exactly as applying the ops one by one does", async () => {
    for (const seed of [11, 12]) {
      const h = history(seed);
      const [ref, bulk] = [await pgServer.freshSchemaUrl(), await pgServer.freshSchemaUrl()];
      await writeAll(ref, h.batches, false);
      await writeAll(bulk, h.batches, true);
      const [a, b] = [await dump(ref), await dump(bulk)];
      assert.ok(a.messages!.length > 1000, "a real history");
      assert.ok(a.pending_changes!.length > 0 || a.messages!.some((m) => (m as { edited_text: unknown }).edited_text), "edits were kept");
      for (const table of Object.keys(a)) assert.deepEqual(b[table], a[table], `${table} (seed ${seed})`);
    }
  });

  test("runs that skip looking up stored keys leave the same rows, also when they meet a stored message", async () => {
    for (const seed of [11, 12]) {
      const h = history(seed);
      // And a run from someone new that ends with a message already stored: the people row the
      // missed run inserted is rolled back with it, and inserted again.
      const upserts = h.batches.flat().filter((op): op is Extract<WriteOp, { op: "upsertMessage" }> => op.op === "upsertMessage");
      const stored = upserts[0]!.message;
      const newcomer = "4915900000001@s.whatsapp.net";
      const batches: WriteOp[][] = [...h.batches, [
        ...Array.from({ length: 40 }, (_, k): WriteOp => ({
          op: "upsertMessage",
          message: { ...stored, chatJid: newcomer, senderId: newcomer, id: `NEW${k}`, ts: T0 + 30 * 3_600_000 + k * 1000 },
        })),
        { op: "upsertMessage", message: stored },
      ]];
      const [ref, guessed] = [await pgServer.freshSchemaUrl(), await pgServer.freshSchemaUrl()];
      await writeAll(ref, batches, false);
      const always = { guesses: 0, misses: 0, guess() { this.guesses++; return true; }, looked() {}, missed() { this.misses++; } };
      await writeAll(guessed, batches, true, always);
      assert.ok(always.misses > 0, `a guessing run met a stored message (seed ${seed})`);
      assert.ok(always.guesses > always.misses, `a guessing run wrote new messages (seed ${seed})`);
      const [a, b] = [await dump(ref), await dump(guessed)];
      for (const table of Object.keys(a)) assert.deepEqual(b[table], a[table], `${table} (seed ${seed})`);
    }
  });

  test("reads answer the same whichever way a search finds its page, and the same as the sql.js store", async () => {
    const h = history(13);
    const url = await pgServer.freshSchemaUrl();
    await writeAll(url, h.batches, true);
    const windowOnly = await openPostgresRepository({ url, searchWindow: 1_000_000 });
    const byIndex = await (async () => {
      const got = await answers(windowOnly, h);
      await windowOnly.close();
      // A window of 2 sends every search to the full-text index; one of 12 sends words found a few
      // times in it to the longer scan in order (48 messages, the 36 after the first 12); 5 and 30
      // move the points where one way gives way to the next.
      const out = { reference: got, indexFirst: [] as unknown[], longerScan: [] as unknown[], w5: [] as unknown[], w30: [] as unknown[] };
      for (const [key, searchWindow] of [["indexFirst", 2], ["longerScan", 12], ["w5", 5], ["w30", 30]] as const) {
        const repo = await openPostgresRepository({ url, searchWindow });
        try {
          out[key] = await answers(repo, h);
        } finally {
          await repo.close();
        }
      }
      return out;
    })();
    assert.deepEqual(byIndex.indexFirst, byIndex.reference);
    assert.deepEqual(byIndex.longerScan, byIndex.reference);
    assert.deepEqual(byIndex.w5, byIndex.reference);
    assert.deepEqual(byIndex.w30, byIndex.reference);

    const local = await openSqljsRepository({ dir: join(root, "s13") });
    try {
      for (const ops of h.batches) await local.commit(ops);
      assert.deepEqual(await answers(local, h), byIndex.reference);
    } finally {
      await local.close();
    }
  });
});
