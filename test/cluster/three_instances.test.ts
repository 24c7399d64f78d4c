/**
 * Three real server processes (stdio MCP each, own data folder) as cluster members on ONE schema
 * of the real local PostgreSQL, against the WhatsApp Web simulator (real Baileys in the servers):
 * one leader holds the socket, every member reads, a send from a follower goes out once; then the
 * leader is killed with SIGKILL in the middle of a send (handed to WhatsApp, outcome not recorded),
 * another member takes over within 10 s, the send is not repeated, a message that arrived during the
 * fail-over is not lost, and the simulator's session log shows two sockets were never open at once.
 * A send whose echo was lost with the leader is never relayed again: the contact gets it at most
 * once and the caller is told its outcome is unknown.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createServer, type Socket } from "node:net";
import postgres from "postgres";
import { startStdioServer, type StdioServer } from "../helpers/stdio_server.ts";
import { until } from "../helpers/until.ts";
import { type FakeContact, MEDIA_TEST_CA, type Sim, startSimulator } from "../sim/index.ts";
import { pgTestServer } from "../store/pg_harness.ts";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { makePng, textOf } from "../e2e/harness.ts";
import { checkFence } from "../../src/cluster/lease_sql.ts";
import { connectPg } from "../../src/store/postgres/client.ts";

const pg = await pgTestServer("wa_cluster");
const ALICE = "15551230001";
const aliceChat = `${ALICE}@s.whatsapp.net`;
const T0 = Math.floor(Date.now() / 1000) - 3600;
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const STATUS_LINE = /status page on http:\/\/127\.0\.0\.1:(\d+)\/status/;

interface Member {
  name: string;
  server: StdioServer;
  port: number;
  call<T = any>(tool: string, args?: Record<string, unknown>): Promise<T>;
  status(): Promise<any>;
}

describe("three cluster members on one PostgreSQL store against the simulator", { skip: pg.skip || false }, () => {
  let url = "";
  let sim: Sim;
  let alice: FakeContact;
  let root = "";
  let hangFile = "";
  let caFile = "";
  const members: Member[] = [];
  let sql: ReturnType<typeof postgres>;
  let firstLeaderId = "";

  const start = async (name: string, opts: { env?: Record<string, string>; clientCapabilities?: Record<string, unknown> } = {}): Promise<Member> => {
    const server = await startStdioServer({
      dataDir: join(root, name),
      preload: "test/sim/preload.ts",
      clientCapabilities: opts.clientCapabilities,
      env: {
        DATABASE_URL: url,
        WHATSAPP_MCP_CLUSTER: "1",
        WHATSAPP_WS_URL: sim.url,
        WHATSAPP_MCP_CONFIRM_SENDS: "never",
        WHATSAPP_MCP_FAULT_INJECTION: "1",
        WHATSAPP_MCP_FAULT_HANG_AFTER_SEND: hangFile,
        // The simulator's media host has a test certificate: trusted in the children only.
        WHATSAPP_EXTRA_MEDIA_HOSTS: new URL(sim.mediaUrl!).host,
        ...(isDeno ? { DENO_CERT: caFile } : { NODE_EXTRA_CA_CERTS: caFile }),
        ...opts.env,
      },
    });
    const port = Number(await until(`${name}'s status page`, () => Promise.resolve(STATUS_LINE.exec(server.stderr())?.[1]), 30_000));
    const m: Member = {
      name,
      server,
      port,
      async call(tool, args = {}) {
        const r = await server.client.callTool({ name: tool, arguments: args }, undefined, { timeout: 120_000 });
        assert.notEqual(r.isError, true, `${name}: ${tool} failed: ${textOf(r)}`);
        return r.structuredContent as any;
      },
      async status() {
        const res = await fetch(`http://127.0.0.1:${port}/api/status`);
        assert.equal(res.status, 200);
        return await res.json();
      },
    };
    members.push(m);
    return m;
  };
  const role = async (m: Member) => (await m.status()).cluster?.role;
  const countAt = (id: string) => alice.received().filter((x) => x.id === id).length;

  before(async () => {
    url = await pg.freshSchemaUrl();
    sql = postgres(url, { max: 1, onnotice: () => {} });
    root = realpathSync(mkdtempSync(join(tmpdir(), "wa-cluster-")));
    hangFile = join(root, "hang-after-send");
    caFile = join(root, "sim-media-ca.pem");
    writeFileSync(caFile, MEDIA_TEST_CA);
    sim = await startSimulator({
      media: true,
      initialHistory: {
        conversations: [{
          id: aliceChat,
          name: "Alice Archer",
          messages: [
            { id: "HIST-C1", fromMe: false, text: "cluster history one", timestamp: T0 },
            { id: "HIST-C2", fromMe: true, text: "cluster history two", timestamp: T0 + 60 },
          ],
        }],
      },
    });
    alice = sim.contact(ALICE, { name: "Alice Archer" });
  });

  after(async () => {
    for (const m of members) await m.server.stop().catch(() => {});
    await sql?.end({ timeout: 5 });
    await sim?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test("the first member leads and links; the others follow without a socket and read everything", async () => {
    const a = await start("a");
    await until("a to lead", async () => (await role(a)) === "leader", 20_000);
    const [b, c] = [await start("b"), await start("c")];
    for (const m of [b, c]) await until(`${m.name} to follow`, async () => (await role(m)) === "follower", 20_000);

    const qr = await until("a QR on the leader's /api/status", async () => (await a.status()).link?.qr, 30_000);
    await sim.phone.scanQr(qr);
    for (const m of [a, b, c]) {
      await until(`${m.name}: WhatsApp connected`, async () => (await m.call("check_bridge_status")).connected, 30_000);
    }
    // Only the leader ever logged in.
    assert.equal(new Set(sim.sessionLog().map((s) => s.device)).size, 1);

    const views = await Promise.all([a, b, c].map((m) => m.status()));
    const leaderId = views[0].cluster.instance_id;
    firstLeaderId = leaderId;
    for (const v of views) {
      assert.equal(v.cluster.leader_id, leaderId);
      assert.equal(v.cluster.members.length, 3);
    }
    assert.deepEqual(views.map((v) => v.cluster.role), ["leader", "follower", "follower"]);
    const sync = await b.call("get_sync_status");
    assert.equal(sync.cluster.role, "follower");
    assert.equal(sync.cluster.leader_id, leaderId);

    // Reads from all three, straight from PostgreSQL.
    for (const m of [a, b, c]) {
      const page = await until(`${m.name}: the history`, async () => {
        const r = await m.call("list_messages", { chat_jid: aliceChat, limit: 10, include_context: false });
        return r.messages.length >= 2 ? r : null;
      });
      assert.deepEqual(page.messages.map((x: { content: string }) => x.content).sort(), ["cluster history one", "cluster history two"]);
    }
    // /health and /ready by role.
    const health = await (await fetch(`http://127.0.0.1:${b.port}/health`)).json();
    assert.deepEqual(health, { ok: true, role: "follower" });
    const ready = await fetch(`http://127.0.0.1:${c.port}/ready`);
    assert.equal(ready.status, 200);
  });

  test("a live message reaches a follower's wait_for_messages through LISTEN/NOTIFY", async () => {
    const c = members[2]!;
    const waiting = c.call("wait_for_messages", { chat_jid: aliceChat, timeout_s: 30 });
    await new Promise((r) => setTimeout(r, 500));
    await alice.sendText("live to every member");
    const got = await waiting;
    assert.equal(got.timed_out, false);
    assert.deepEqual(got.messages.map((m: { content: string }) => m.content), ["live to every member"]);
  });

  test("a send from a follower goes through the outbox and arrives once", async () => {
    const b = members[1]!;
    const sent = await b.call("send_message", { recipient: ALICE, message: "from a follower" });
    const got = await alice.waitForMessage((x) => x.id === sent.message_id);
    assert.equal(got.text, "from a follower");
    const row = (await sql`SELECT state, wa_message_id, origin FROM wa_outbox WHERE wa_message_id = ${sent.message_id}`)[0];
    assert.equal(row?.state, "sent");
    assert.equal(row?.origin, (await b.status()).cluster.instance_id);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(countAt(sent.message_id), 1);

    // Media from a follower: the bytes travel in the outbox row, the leader uploads them.
    const png = makePng(32, 24);
    mkdirSync(join(root, "b", "outbox"), { recursive: true });
    const path = join(root, "b", "outbox", "from-follower.png");
    writeFileSync(path, png);
    const image = await b.call("send_file", { recipient: ALICE, media_path: path, caption: "a picture from a follower" });
    const gotImage = await alice.waitForMessage((x) => x.id === image.message_id);
    assert.ok(alice.download(gotImage).equals(png), "the image the contact decrypts differs from the follower's file");
    assert.equal((await sql`SELECT request FROM wa_outbox WHERE wa_message_id = ${image.message_id}`)[0]?.request, null, "the bytes are dropped once sent");
  });

  test("kill -9 of the leader mid-send: another member leads within 10 s, the send is not repeated, nothing is lost", async () => {
    const [a, b, c] = members as [Member, Member, Member];
    const oldToken = Number((await sql`SELECT token FROM cluster_lease`)[0]!.token);
    writeFileSync(hangFile, "1");
    // The send is asked on follower c; leader a hands it to WhatsApp and hangs before recording it.
    const pending = c.call("send_message", { recipient: ALICE, message: "sent while the leader dies" });
    await until("the leader to hand the send over", () => Promise.resolve(a.server.stderr().includes("fault injection: send handed to WhatsApp")), 30_000);
    const id = String((await sql`SELECT wa_message_id FROM wa_outbox WHERE state = 'sending'`)[0]!.wa_message_id);
    await alice.waitForMessage((x) => x.id === id);
    // Its own echo is in the mirror (the old leader's sync stored it under its token).
    await until("the send in the mirror", async () => (await sql`SELECT 1 FROM messages WHERE id = ${id}`).length === 1);
    rmSync(hangFile);

    const killedAt = Date.now();
    a.server.child.kill("SIGKILL");
    await a.server.exited;
    await alice.sendText("arrived during the fail-over");

    const leader = await until("a new leader", async () => {
      for (const m of [b, c]) if ((await role(m).catch(() => null)) === "leader") return m;
      return null;
    }, 15_000);
    const takeoverMs = Date.now() - killedAt;
    assert.ok(takeoverMs < 10_000, `took ${takeoverMs} ms`);
    console.error(`cluster fail-over: new leader ${takeoverMs} ms after kill -9`);
    const follower = leader === b ? c : b;

    const result = await pending;
    assert.equal(result.message_id, id, "the caller got the send's own id back");
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(countAt(id), 1, "the send went out exactly once");
    assert.match(leader.server.stderr(), /inherited send already went out \(found in the mirror\)/);
    const row = (await sql`SELECT state, claim_token, attempts FROM wa_outbox WHERE wa_message_id = ${id}`)[0]!;
    assert.equal(row.state, "sent");
    assert.ok(Number(row.claim_token) > oldToken, "settled under the new leader's token");

    // A send asked after the fail-over, from the follower, goes out once too.
    const after = await follower.call("send_message", { recipient: ALICE, message: "after the fail-over" });
    await alice.waitForMessage((x) => x.id === after.message_id);
    assert.equal(countAt(after.message_id), 1);

    // The message that arrived while nobody held the socket is in the store, seen by both.
    for (const m of [leader, follower]) {
      await until(`${m.name}: the message sent during the fail-over`, async () => {
        const r = await m.call("list_messages", { chat_jid: aliceChat, limit: 20, include_context: false });
        return r.messages.some((x: { content: string }) => x.content === "arrived during the fail-over");
      }, 30_000);
    }

    // Roles after: one leader, one follower, the dead member gone from the list.
    const views = await until("two members listed", async () => {
      const v = await Promise.all([leader, follower].map((m) => m.status()));
      return v.every((x) => x.cluster.members.length === 2) ? v : null;
    }, 20_000);
    assert.deepEqual(views.map((v) => v.cluster.role), ["leader", "follower"]);
    assert.equal(views[1].cluster.leader_id, views[0].cluster.instance_id);

    // Never two sockets at once: each login began after the previous one closed, none was replaced.
    const log = sim.sessionLog();
    assert.ok(log.length >= 2);
    for (let i = 1; i < log.length; i++) {
      assert.ok(log[i - 1]!.closedAt !== null && log[i - 1]!.closedAt! <= log[i]!.openedAt, `session ${i} opened before session ${i - 1} closed`);
    }
    assert.ok(log.every((s) => !s.replaced), "a session was replaced by a second socket");

    // The fencing token: the dead leader's token can no longer record anything.
    const newToken = Number((await sql`SELECT token FROM cluster_lease`)[0]!.token);
    assert.ok(newToken > oldToken);
    const stale = connectPg(url, { max: 1 });
    try {
      await assert.rejects(stale.begin((tx) => checkFence(tx, firstLeaderId, oldToken)), /fencing token \d+ is stale/);
      await stale.begin((tx) => checkFence(tx, views[0].cluster.instance_id, newToken)); // the new leader's passes
    } finally {
      await stale.end({ timeout: 2 });
    }
  });

  test("kill -9 before the send's echo reached the mirror: the outcome is unknown, never resent, the peer gets it at most once", async () => {
    const alive = members.filter((m) => m.server.child.exitCode === null && m.server.child.signalCode === null);
    const roles = await Promise.all(alive.map(role));
    const leader = alive[roles.indexOf("leader")]!;
    const survivor = alive[roles.indexOf("follower")]!;
    writeFileSync(hangFile, "1");
    const pending = survivor.server.client.callTool({ name: "send_message", arguments: { recipient: ALICE, message: "echo lost with the leader" } }, undefined, {
      timeout: 120_000,
    });
    await until("the leader to hand the send over", () => Promise.resolve(leader.server.stderr().includes("fault injection: send handed to WhatsApp")), 30_000);
    const id = String((await sql`SELECT wa_message_id FROM wa_outbox WHERE state = 'sending'`)[0]!.wa_message_id);
    await alice.waitForMessage((x) => x.id === id);
    await until("the send in the mirror", async () => (await sql`SELECT 1 FROM messages WHERE id = ${id}`).length === 1);
    // As if the leader had died between handing the message to WhatsApp and storing its echo.
    await sql`DELETE FROM messages WHERE id = ${id}`;
    rmSync(hangFile);
    leader.server.child.kill("SIGKILL");
    await leader.server.exited;

    // The caller sees the unknown outcome (never a success it cannot vouch for, never a silent resend).
    const result = await pending;
    assert.equal(result.isError, true, "the caller is told the outcome is unknown");
    assert.match(textOf(result), /outcome of this send is unknown/);
    assert.match(textOf(result), /may or may not have been delivered/);
    assert.match(textOf(result), /list_messages/);
    assert.match(textOf(result), new RegExp(id));
    assert.equal(await role(survivor), "leader");
    assert.match(survivor.server.stderr(), /inherited send not in the mirror; outcome unknown, not resent/);
    const row = (await sql`SELECT state, wa_message_id FROM wa_outbox WHERE wa_message_id = ${id}`)[0]!;
    assert.equal(row.state, "failed");
    // A later send through the new leader arrives, and the peer still holds the first message once.
    const after = await survivor.call("send_message", { recipient: ALICE, message: "after the unknown outcome" });
    await alice.waitForMessage((x) => x.id === after.message_id);
    assert.equal(countAt(id), 1, "the peer receives the message at most once");
    assert.equal(countAt(after.message_id), 1);
    const log = sim.sessionLog();
    for (let i = 1; i < log.length; i++) assert.ok(log[i - 1]!.closedAt !== null && log[i - 1]!.closedAt! <= log[i]!.openedAt);
    assert.ok(log.every((s) => !s.replaced));
  });

  test("the send guard runs on the caller's member: a new follower asks its own client to confirm, and a decline sends nothing", async () => {
    const d = await start("d", { env: { WHATSAPP_MCP_CONFIRM_SENDS: "always" }, clientCapabilities: { elicitation: {} } });
    await until("d to follow", async () => (await role(d)) === "follower", 20_000);
    // The leader publishes its link state with its heartbeat; right after a fail-over it may still be connecting.
    await until("d to see the leader linked", async () => (await d.status()).link?.state === "open", 20_000);
    const asked: string[] = [];
    let answer: "accept" | "decline" = "decline";
    d.server.client.setRequestHandler(ElicitRequestSchema, (req) => {
      asked.push(req.params.message);
      return answer === "accept" ? { action: "accept", content: { confirm: true } } : { action: "decline" };
    });
    const rowsBefore = Number((await sql`SELECT count(*) AS n FROM wa_outbox`)[0]!.n);
    const declined = await d.server.client.callTool({ name: "send_message", arguments: { recipient: ALICE, message: "declined on a follower" } });
    assert.equal(declined.isError, true);
    assert.match(textOf(declined), /declined/);
    assert.equal(Number((await sql`SELECT count(*) AS n FROM wa_outbox`)[0]!.n), rowsBefore, "a declined send never reaches the outbox");
    answer = "accept";
    const sent = await d.call("send_message", { recipient: ALICE, message: "confirmed on a follower" });
    assert.equal(sent.confirmed_by_user, true);
    await alice.waitForMessage((x) => x.id === sent.message_id);
    assert.equal(countAt(sent.message_id), 1);
    assert.equal(asked.length, 2);
    assert.match(asked[1]!, /confirmed on a follower/);
    assert.ok(!alice.received().some((x) => x.text === "declined on a follower"));
  });

  test("a network cut between the leader and PostgreSQL: it closes its socket, a member that still reaches the store takes over", async () => {
    const proxy = await pgProxy(new URL(url));
    try {
      // e reaches PostgreSQL only through the proxy; the others stop cleanly (handing the lease back), so e leads.
      const e = await start("e", { env: { DATABASE_URL: urlThrough(url, proxy.port) } });
      for (const m of members.filter((x) => x !== e && x.server.child.exitCode === null && x.server.child.signalCode === null)) {
        await m.server.stop();
      }
      await until("e to lead", async () => (await role(e)) === "leader", 15_000);
      await until("e's socket open", async () => (await e.call("check_bridge_status")).connected, 20_000);
      const f = await start("f");
      await until("f to follow", async () => (await role(f)) === "follower", 20_000);

      const cutAt = Date.now();
      proxy.cut();
      await until("e to give up the socket", () => Promise.resolve(e.server.stderr().includes("lease lost or given up: closing the connection")), 10_000);
      const closedAfter = Date.now() - cutAt;
      await until("f to lead", async () => (await role(f)) === "leader", 15_000);
      const takeoverMs = Date.now() - cutAt;
      console.error(`network cut: leader closed its socket after ${closedAfter} ms, new leader after ${takeoverMs} ms`);
      assert.ok(takeoverMs < 10_000, `took ${takeoverMs} ms`);
      // e is alive but not ready (its store is unreachable): load balancers stop routing to it.
      assert.equal((await fetch(`http://127.0.0.1:${e.port}/health`)).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${e.port}/ready`)).status, 503);

      await until("f connected", async () => (await f.call("check_bridge_status")).connected, 20_000);
      const sent = await f.call("send_message", { recipient: ALICE, message: "after the network cut" });
      await alice.waitForMessage((x) => x.id === sent.message_id);
      assert.equal(countAt(sent.message_id), 1);
      const log = sim.sessionLog();
      for (let i = 1; i < log.length; i++) {
        assert.ok(log[i - 1]!.closedAt !== null && log[i - 1]!.closedAt! <= log[i]!.openedAt, `session ${i} opened before session ${i - 1} closed`);
      }
      assert.ok(log.every((x) => !x.replaced));

      // The network comes back: e rejoins as a follower.
      proxy.heal();
      // A probe may meet a reset (a kept-alive socket the server closed while it came back): `until` polls on.
      await until("e ready again", async () => (await fetch(`http://127.0.0.1:${e.port}/ready`)).status === 200, 20_000);
      assert.equal(await role(e), "follower");
    } finally {
      proxy.heal();
      await proxy.close();
    }
  });
});

/** `url` with its host and port replaced by the local proxy's. */
function urlThrough(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = "127.0.0.1";
  u.port = String(port);
  return u.toString();
}

/**
 * A TCP proxy to PostgreSQL that can be cut like a network: `cut()` stops forwarding in both
 * directions and holds new connections unanswered (no reset: the client notices only by waiting);
 * `heal()` drops everything held so the client reconnects, and forwards again.
 */
async function pgProxy(target: URL): Promise<{ port: number; cut(): void; heal(): void; close(): Promise<void> }> {
  let isCut = false;
  const sockets = new Set<Socket>();
  const pairs: Array<[Socket, Socket]> = [];
  const server = createServer((client) => {
    sockets.add(client);
    client.on("error", () => {});
    client.on("close", () => sockets.delete(client));
    if (isCut) return client.pause();
    const up = connect(Number(target.port || 5432), target.hostname);
    sockets.add(up);
    up.on("error", () => client.destroy());
    up.on("close", () => sockets.delete(up));
    client.on("close", () => up.destroy());
    client.pipe(up);
    up.pipe(client);
    pairs.push([client, up]);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    cut() {
      isCut = true;
      for (const [a, b] of pairs) {
        a.unpipe(b);
        b.unpipe(a);
        a.pause();
        b.pause();
      }
    },
    heal() {
      isCut = false;
      for (const s of sockets) s.destroy();
      pairs.length = 0;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
