/**
 * The lease, the fence and the outbox on the real local PostgreSQL (a fresh schema per test):
 * the SQL that the cluster actor and the outbox run, without the processes around it.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { storeChannels } from "../../src/cluster/channels.ts";
import { checkFence, renewLease, tryAcquire } from "../../src/cluster/lease_sql.ts";
import { isUnknownOutcome, unknownOutcome } from "../../src/cluster/outbox_kinds.ts";
import { claimNext, enqueue, getOutboxRow, markHanding, settle } from "../../src/cluster/outbox_sql.ts";
import { connectPg, type Pg } from "../../src/store/postgres/client.ts";
import { openPostgresRepository } from "../../src/store/postgres/repository.ts";
import type { Repository } from "../../src/store/types.ts";
import { pgTestServer } from "../store/pg_harness.ts";

const pg = await pgTestServer("wa_lease");

describe("cluster lease and outbox on PostgreSQL", { skip: pg.skip || false }, () => {
  const open: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    for (const o of open.reverse()) await o.close().catch(() => {});
  });

  async function setup(fence: { token: number | null }) {
    const url = await pg.freshSchemaUrl();
    const repo: Repository = await openPostgresRepository({ url, cluster: { instanceId: "a", fence: () => fence.token } });
    open.push(repo);
    const db: Pg = connectPg(url, { max: 2 });
    open.push({ close: () => db.end({ timeout: 2 }) });
    return { url, repo, db };
  }

  const chat = { op: "upsertChat" as const, chat: { jid: "1555@s.whatsapp.net", name: "Alice" } };

  test("each takeover gets a new token; a holder's lease cannot be taken before it expires", async () => {
    const { db } = await setup({ token: null });
    const a = await tryAcquire(db, "a", 60_000);
    assert.ok("token" in a);
    assert.deepEqual(await tryAcquire(db, "b", 60_000), { holder: "a" });
    assert.equal(await renewLease(db, "a", a.token, 60_000), true);
    await db.unsafe("UPDATE cluster_lease SET expires_at = clock_timestamp() - interval '1 second'");
    const b = await tryAcquire(db, "b", 60_000);
    assert.ok("token" in b && b.token === a.token + 1);
    assert.equal(await renewLease(db, "a", a.token, 60_000), false, "the old holder's renewal matches nothing");
  });

  test("a fenced commit passes with the current token and is refused, rolled back, once another member took over", async () => {
    const fence = { token: null as number | null };
    const { repo, db } = await setup(fence);
    await assert.rejects(repo.commit([chat], { fenced: true }), /does not hold the WhatsApp lease/);
    const a = await tryAcquire(db, "a", 60_000);
    fence.token = "token" in a ? a.token : null;
    await repo.commit([chat], { fenced: true });
    assert.equal((await repo.getChat(chat.chat.jid, false))?.name, "Alice");

    await db.unsafe("UPDATE cluster_lease SET expires_at = clock_timestamp() - interval '1 second'");
    assert.ok("token" in (await tryAcquire(db, "b", 60_000)));
    await assert.rejects(repo.commit([{ op: "upsertChat", chat: { jid: chat.chat.jid, name: "Mallory" } }], { fenced: true }), /fencing token \d+ is stale/);
    assert.equal((await repo.getChat(chat.chat.jid, false))?.name, "Alice", "the stale write was rolled back");
    // Writes any member may make (held sends, a tool's own read marker) are not fenced.
    await repo.commit([{ op: "markChatRead", jid: chat.chat.jid, upTo: null }]);
    await assert.rejects(db.begin((tx) => checkFence(tx, "a", fence.token!)), /stale/);
  });

  test("a commit live readers care about sends a NOTIFY with ids only, delivered with the commit", async () => {
    const { repo, db } = await setup({ token: null });
    const channels = await storeChannels(db);
    const got: string[] = [];
    const sub = await db.listen(channels.live, (p) => got.push(p));
    await repo.commit([chat]);
    const deadline = Date.now() + 5_000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sub.unlisten();
    assert.deepEqual(got.map((p) => JSON.parse(p)), [{ live: false, chatsChanged: true, touchedChats: [] }]);
  });

  test("the outbox: one row per idempotency key; only the lease holder claims; an unsettled claim is inherited by the next token, handed over or not", async () => {
    const { db } = await setup({ token: null });
    const channels = await storeChannels(db);
    const row = {
      idemKey: "k1",
      kind: "send" as const,
      request: new Uint8Array([1, 2, 3]),
      waMessageId: "3EB0AA",
      chatJid: "1555@s.whatsapp.net",
      origin: "c",
      createdAt: Date.now(),
      expiresAt: Date.now() + 60_000,
    };
    const id = await enqueue(db, row, channels.outbox);
    assert.equal(await enqueue(db, row, channels.outbox), id, "the same key gives the same row");

    const a = await tryAcquire(db, "a", 60_000);
    assert.ok("token" in a);
    await assert.rejects(claimNext(db, "b", a.token, Date.now(), [], channels.done), /stale/, "a non-holder cannot claim");
    const first = await claimNext(db, "a", a.token, Date.now(), [], channels.done);
    assert.equal(first?.row.id, id);
    assert.equal(first?.inherited, false);
    assert.equal((await getOutboxRow(db, id))?.state, "claimed", "claimed, not yet handed to WhatsApp");
    assert.equal(await claimNext(db, "a", a.token, Date.now(), [], channels.done), null, "claimed once");

    // The holder dies before recording the outcome; the next leader inherits the row.
    await db.unsafe("UPDATE cluster_lease SET expires_at = clock_timestamp() - interval '1 second'");
    const b = await tryAcquire(db, "b", 60_000);
    assert.ok("token" in b);
    await assert.rejects(
      settle(db, id, "a", a.token, { state: "sent", result: null, error: null, waMessageId: "3EB0AA" }, Date.now(), channels.done),
      /no longer claimed|stale/,
    );
    const inherited = await claimNext(db, "b", b.token, Date.now(), [], channels.done);
    assert.equal(inherited?.row.id, id);
    assert.equal(inherited?.inherited, true);
    assert.equal(inherited?.handed, false, "the dead leader never marked it handed over: provably not sent, may run");
    await assert.rejects(markHanding(db, id, "a", a.token), /no longer claimed|stale/, "the old leader can no longer hand it over");
    await markHanding(db, id, "b", b.token);
    assert.equal((await getOutboxRow(db, id))?.state, "sending");

    // This one dies after marking it handed over: the next leader must not run it again.
    await db.unsafe("UPDATE cluster_lease SET expires_at = clock_timestamp() - interval '1 second'");
    const c = await tryAcquire(db, "c", 60_000);
    assert.ok("token" in c);
    const handed = await claimNext(db, "c", c.token, Date.now(), [], channels.done);
    assert.equal(handed?.row.id, id);
    assert.deepEqual([handed?.inherited, handed?.handed], [true, true]);
    await settle(db, id, "c", c.token, unknownOutcome("3EB0AA"), Date.now(), channels.done);
    const done = await getOutboxRow(db, id);
    assert.equal(done?.state, "failed");
    assert.ok(isUnknownOutcome(done!), "settled as outcome unknown");
    assert.match(done?.error ?? "", /may or may not have been delivered.*list_messages/s);
    assert.equal(done?.waMessageId, "3EB0AA", "the id it was handed over under is kept");
    assert.equal(done?.request, null, "the request's bytes are dropped once settled");
    assert.equal(done?.attempts, 3);
  });
});
