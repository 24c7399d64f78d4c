/**
 * The names and reactions of message rows come from memos (src/store/sqljs/row_names.ts,
 * row_reactions.ts), no longer from joins and probes per row: every read must still show what
 * the per-row SQL gives, right after anything changes it (a rename, a new chat, a LID merge, a
 * revoke by an admin, a reaction added, changed or taken back, a deleted chat). The reference
 * is the message view's old per-row SQL, run on the same database.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import initSqlJs from "sql.js";
import { applySqlite } from "../../src/store/sqljs/apply.ts";
import { openDurable } from "../../src/store/sqljs/durable.ts";
import { migrateSqlite } from "../../src/store/sqljs/migrate.ts";
import { NEIGHBOURS } from "../../src/store/sqljs/read_sql.ts";
import { createSqljsRepository, sqljsTransactionEnd, withStoreSetup } from "../../src/store/sqljs/repository.ts";
import { statementsOf } from "../../src/store/sqljs/statements.ts";
import { type FsPort, nodeFs } from "../../src/runtime/fs.ts";
import type { MessageView, Repository, WriteOp } from "../../src/store/types.ts";
import { msg } from "./sqljs_fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "wa-sqljs-names-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** The names as the message view joined them per row (before row_names.ts), by "chat id". */
const REFERENCE = `SELECT m.chat_jid, m.id,
  coalesce(sp.saved_name, sp.push_name, sp.business_name) AS sender_name, sp.pn_jid AS sender_pn,
  coalesce(c.name, cp.saved_name, cp.push_name, cp.business_name) AS chat_name,
  (SELECT coalesce(rp.saved_name, rp.push_name, rp.business_name) FROM people rp WHERE rp.id = m.revoked_by) AS revoked_by_name,
  CASE WHEN EXISTS (SELECT 1 FROM reactions r WHERE r.chat_jid = m.chat_jid AND r.message_id = m.id)
    THEN (SELECT json_group_array(json_array(r.reactor_id, r.emoji) ORDER BY r.ts, r.reactor_id) FROM reactions r
      WHERE r.chat_jid = m.chat_jid AND r.message_id = m.id)
    ELSE '[]' END AS reactions
FROM messages m LEFT JOIN people sp ON sp.id = m.sender_id LEFT JOIN chats c ON c.jid = m.chat_jid
  LEFT JOIN people cp ON cp.id = m.chat_jid`;

type Names = Pick<MessageView, "senderName" | "senderPhone" | "chatName" | "revokedByName" | "reactions">;
const namesOf = (v: MessageView): Names => ({
  senderName: v.senderName,
  senderPhone: v.senderPhone,
  chatName: v.chatName,
  revokedByName: v.revokedByName ?? null,
  reactions: v.reactions,
});

/** A store as the server opens it: the engine reports transaction ends to the read memos. */
async function openStore(name: string, fs?: FsPort) {
  const sql = withStoreSetup(await initSqlJs());
  return await openDurable<WriteOp>({
    dir: join(root, name),
    sql,
    fs,
    migrate: (db) => void migrateSqlite(db),
    apply: applySqlite,
    onTransactionEnd: sqljsTransactionEnd,
  });
}

const PN = "4915112345678@s.whatsapp.net";
const LID = "201234567890123@lid";
const BOB = "4915187654321@s.whatsapp.net";
const GROUP = "120363000000000001@g.us";
const OTHER = "120363000000000002@g.us";

describe("sql.js message names and reactions from the memos", () => {
  test("every read shows the per-row SQL's names and reactions, after renames, new chats, LID merges, reactions, revokes and deletes", async () => {
    const durable = await openStore("s1");
    const repo = createSqljsRepository(durable);
    try {
      /** Each stored message read every way a tool reads it, against the reference. */
      const checkAll = async (step: string) => {
        const ref = durable.db.exec(REFERENCE)[0];
        const expected = new Map<string, Record<string, unknown>>();
        for (const row of ref?.values ?? []) expected.set(`${row[0]} ${row[1]}`, Object.fromEntries(ref!.columns.map((c, i) => [c, row[i]])));
        assert.ok(expected.size > 0, step);
        const seen = new Map<string, Names>();
        const see = (how: string, v: MessageView) => {
          const key = `${v.chatJid} ${v.id}`;
          const e = expected.get(key);
          assert.ok(e, `${step}: ${how} ${key} exists`);
          // The phone is the sender's phone JID's number, else the sender id's (rows.ts).
          const reactions = (JSON.parse(String(e.reactions)) as string[][]).map(([reactorId, emoji]) => ({ reactorId, emoji }));
          const want = { senderName: e.sender_name, chatName: e.chat_name, revokedByName: e.revoked_by_name, reactions };
          const got = namesOf(v);
          assert.deepEqual({ senderName: got.senderName, chatName: got.chatName, revokedByName: got.revokedByName, reactions: got.reactions }, want, `${step}: ${how} ${key}`);
          const before = seen.get(key);
          if (before) assert.deepEqual(got, before, `${step}: ${how} ${key} same as other reads`);
          seen.set(key, got);
        };
        const all = await repo.listMessages({ limit: 200 });
        assert.equal(all.items.length, expected.size, step);
        for (const v of all.items) see("list", v);
        for (const chat of new Set(all.items.map((v) => v.chatJid))) {
          for (const v of (await repo.listMessages({ chatJid: chat, limit: 200 })).items) see("list in chat", v);
        }
        for (const v of (await repo.listMessages({ query: "words", limit: 200 })).items) see("search", v);
        for (const v of (await repo.listMessages({ query: "words", order: "relevance", limit: 200 })).items) see("relevance", v);
        const refs = all.items.map((v) => ({ chatJid: v.chatJid, id: v.id }));
        // Right after the list, the hits' places are known (row_keys.ts): the same neighbours as found by id.
        const neighbours = await repo.getMessageNeighbours(refs, 2, 2);
        for (const n of neighbours) for (const v of [...n.before, ...n.after]) see("neighbours", v);
        const byId = durable.db.exec(NEIGHBOURS.replace(/:refs/g, "?1").replace(/:nb/g, "2").replace(/:na/g, "2"), [JSON.stringify(refs.map((r) => [r.chatJid, r.id]))])[0];
        const want = refs.map(() => ({ before: [] as string[], after: [] as string[] }));
        const col = (name: string) => byId!.columns.indexOf(name);
        for (const row of byId?.values ?? []) want[Number(row[col("ctx_i")])]![row[col("ctx_side")] === 0 ? "before" : "after"].push(String(row[col("id")]));
        assert.deepEqual(neighbours.map((n) => ({ before: n.before.map((v) => v.id), after: n.after.map((v) => v.id) })), want, `${step}: neighbours`);
        for (const r of refs) {
          see("get", (await repo.getMessage(r.chatJid, r.id))!);
          const c = (await repo.getMessageContext(r.chatJid, r.id, 3, 3))!;
          for (const v of [...c.before, c.message, ...c.after]) see("context", v);
        }
        for (const c of (await repo.listChats({ limit: 200, sortBy: "last_active", includeLastMessage: true })).items) {
          if (c.lastMessage) see("chat's last", c.lastMessage);
          const one = await repo.getChat(c.jid, true);
          if (one?.lastMessage) see("get chat's last", one.lastMessage);
        }
        for (const p of [PN, BOB, LID]) {
          const last = await repo.getLastInteraction(p);
          if (last) see("last interaction", last);
          for (const c of await repo.getContactChats(p, 50, 0)) if (c.lastMessage) see("contact chat's last", c.lastMessage);
        }
        return seen;
      };

      await repo.commit([
        { op: "upsertPerson", person: { id: BOB, pnJid: BOB, pushName: "Bob push" } },
        { op: "upsertPerson", person: { id: LID, lid: LID, pushName: "Lid push" } },
        { op: "upsertChat", chat: { jid: GROUP, kind: "group", name: "Group one" } },
        { op: "setParticipants", groupJid: GROUP, mode: "replace", participants: [{ personId: BOB, admin: "admin" }, { personId: LID }] },
        msg(LID, "a1", 1000, "first words"),
        msg(PN, "p1", 2000, "other words"),
        msg(GROUP, "g1", 3000, "group words", { senderId: BOB }),
        msg(GROUP, "g2", 4000, "more group words", { senderId: LID }),
        msg(GROUP, "g3", 5000, "still words", { senderId: BOB }),
      ]);
      const first = await checkAll("start");
      assert.equal(first.get(`${GROUP} g1`)?.senderName, "Bob push");
      assert.equal(first.get(`${GROUP} g1`)?.chatName, "Group one");

      // Renames: a saved name over the push name, a chat renamed.
      await repo.commit([
        { op: "upsertPerson", person: { id: BOB, savedName: "Bob saved" } },
        { op: "upsertChat", chat: { jid: GROUP, kind: "group", name: "Group renamed" } },
      ]);
      const renamed = await checkAll("renamed");
      assert.equal(renamed.get(`${GROUP} g1`)?.senderName, "Bob saved");
      assert.equal(renamed.get(`${GROUP} g1`)?.chatName, "Group renamed");

      // A new chat and a new person named only by a later message's push name.
      await repo.commit([msg(OTHER, "o1", 6000, "new chat words", { senderId: PN })]);
      await checkAll("new chat");
      await repo.commit([{ op: "upsertPerson", person: { id: PN, pnJid: PN, pushName: "Pat push" } }]);
      const named = await checkAll("named later");
      assert.equal(named.get(`${PN} p1`)?.chatName, "Pat push");
      assert.equal(named.get(`${OTHER} o1`)?.senderName, "Pat push");

      // The LID is merged into the phone number: its messages and names move.
      await repo.commit([{ op: "linkLid", lid: LID, pnJid: PN }]);
      await checkAll("lid merged");

      // Reactions added (one message has two), changed, taken back; then on the merged chat.
      const react = (chatJid: string, messageId: string, reactorId: string, emoji: string, ts: number): WriteOp =>
        ({ op: "upsertReaction", reaction: { chatJid, messageId, reactorId, emoji, ts } });
      await repo.commit([react(GROUP, "g1", PN, "👍", 7000), react(GROUP, "g1", BOB, "🎉", 7001), react(GROUP, "g3", PN, "😀", 7002)]);
      const reacted = await checkAll("reacted");
      assert.deepEqual(reacted.get(`${GROUP} g1`)?.reactions, [{ reactorId: PN, emoji: "👍" }, { reactorId: BOB, emoji: "🎉" }]);
      await repo.commit([react(GROUP, "g1", PN, "❤️", 7100)]);
      assert.deepEqual((await checkAll("reaction changed")).get(`${GROUP} g1`)?.reactions, [{ reactorId: BOB, emoji: "🎉" }, { reactorId: PN, emoji: "❤️" }]);
      await repo.commit([react(GROUP, "g3", PN, "", 7200), react(PN, "a1", BOB, "👀", 7300)]);
      const taken = await checkAll("reaction taken back");
      assert.deepEqual(taken.get(`${GROUP} g3`)?.reactions, []);
      assert.deepEqual(taken.get(`${PN} a1`)?.reactions, [{ reactorId: BOB, emoji: "👀" }]);

      // A revoke by the group's admin names the admin.
      await repo.commit([{ op: "revokeMessage", chatJid: GROUP, id: "g2", by: { fromMe: false, id: BOB } }]);
      const revoked = await checkAll("revoked by admin");
      assert.equal(revoked.get(`${GROUP} g2`)?.revokedByName, "Bob saved");
      await repo.commit([{ op: "upsertPerson", person: { id: BOB, savedName: "Bob again" } }]);
      assert.equal((await checkAll("admin renamed")).get(`${GROUP} g2`)?.revokedByName, "Bob again");

      // A deleted chat: its name falls back to its person's, or none.
      await repo.commit([{ op: "deleteChat", jid: GROUP }]);
      await checkAll("chat deleted");
    } finally {
      await repo.close();
    }
  });

  test("one page read checks the connection's change count once for its three memos (names, reactions, places)", async () => {
    const durable = await openStore("s3");
    const repo = createSqljsRepository(durable);
    try {
      await repo.commit([
        { op: "upsertChat", chat: { jid: GROUP, kind: "group", name: "Group one" } },
        msg(GROUP, "g1", 3000, "group words", { senderId: BOB }),
        msg(GROUP, "g2", 4000, "more words", { senderId: BOB }),
      ]);
      const st = statementsOf(durable.db);
      const value = st.value;
      let stamps = 0;
      st.value = (sql, params) => {
        if (sql === "SELECT total_changes()") stamps++;
        return value.call(st, sql, params);
      };
      try {
        const page = await repo.listMessages({ chatJid: GROUP, limit: 10 });
        assert.equal(page.items.length, 2);
        assert.equal(stamps, 1);
        await repo.commit([{ op: "upsertChat", chat: { jid: GROUP, kind: "group", name: "Group renamed" } }]);
        const again = await repo.listMessages({ chatJid: GROUP, limit: 10 });
        assert.equal(again.items[0]!.chatName, "Group renamed", "a write since the last stamp is seen");
      } finally {
        st.value = value;
      }
    } finally {
      await repo.close();
    }
  });

  test("a read while a batch is being journaled, whose journal write then fails, leaves nothing of the batch behind", async () => {
    // The engine keeps the batch's transaction open while it writes the journal: a read then sees the
    // batch; the failed write rolls it back without moving total_changes(), and the memos must drop it.
    let journaling: (() => void) | null = null;
    let release: (() => void) | null = null;
    const fs: FsPort = {
      ...nodeFs,
      write: async (...args: Parameters<FsPort["write"]>) => {
        if (journaling) {
          journaling();
          await new Promise<void>((r) => (release = r));
          throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        }
        return await nodeFs.write(...args);
      },
    };
    const durable = await openStore("s2", fs);
    const repo = createSqljsRepository(durable);
    try {
      await repo.commit([
        { op: "upsertPerson", person: { id: BOB, pnJid: BOB, pushName: "Bob push" } },
        { op: "upsertChat", chat: { jid: GROUP, kind: "group", name: "Group one" } },
        msg(GROUP, "g1", 3000, "group words", { senderId: BOB }),
        msg(GROUP, "g2", 4000, "more words", { senderId: BOB }),
      ]);
      const read = async () => {
        const list = await repo.listMessages({ chatJid: GROUP, limit: 10 });
        const n = await repo.getMessageNeighbours(list.items.map((v) => ({ chatJid: v.chatJid, id: v.id })), 1, 1);
        return { names: list.items.map((v) => [v.id, v.senderName, v.chatName, v.reactions.length]), neighbours: n.map((x) => x.before.length + x.after.length) };
      };
      const before = await read();
      const inJournal = new Promise<void>((r) => (journaling = r));
      const failing = repo.commit([
        { op: "upsertPerson", person: { id: BOB, savedName: "Bob lost" } },
        { op: "upsertChat", chat: { jid: GROUP, kind: "group", name: "Group lost" } },
        { op: "upsertReaction", reaction: { chatJid: GROUP, messageId: "g1", reactorId: BOB, emoji: "👍", ts: 5000 } },
        msg(GROUP, "g3", 4500, "lost words", { senderId: BOB }),
      ]);
      await inJournal;
      journaling = null;
      const during = await read(); // the open transaction's rows
      assert.deepEqual(during.names[0], ["g3", "Bob lost", "Group lost", 0]);
      release!();
      await assert.rejects(failing, /ENOSPC/);
      assert.deepEqual(await read(), before);
    } finally {
      await repo.close().catch(() => {});
    }
  });
});
