import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { BufferJSON, encryptedStream, proto } from "@whiskeysockets/baileys";
import { readFileSync, unlinkSync } from "node:fs";
import { createManualClock, type ManualClock } from "../../supervisors/mod.ts";
import { configureLogging } from "../../src/log.ts";
import { ConnectionCore, type ConnectionOptions, type ConnectionPorts } from "../../src/whatsapp/connection_core.ts";
import { WhatsAppNotReadyError, WhatsAppRequestError } from "../../src/whatsapp/errors.ts";
import { mapMessage } from "../../src/whatsapp/mapping/messages.ts";
import type { LinkStatus } from "../../src/status/types.ts";
import { fakeSockets, pairedCreds } from "./fake_socket.ts";
import { ALICE, ctx, GROUP, ME, ME_LID, T0, wa } from "./fixtures.ts";
import { memoryRepo, type MemoryRepo } from "./memory_repo.ts";

// rig() captures log lines; give the next test (same process on Deno) the default sink back.
afterEach(() => configureLogging({ level: "info", sink: (l) => console.error(l) }));

/** Lets queued promise chains (the actor's lane) run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};

interface Rig {
  core: ConnectionCore;
  repo: MemoryRepo;
  clock: ManualClock;
  sockets: ReturnType<typeof fakeSockets>;
  told: Array<{ name: string; msg: Parameters<ConnectionPorts["tell"]>[1] }>;
  failed: unknown[];
  logs: string[];
  status(): LinkStatus;
}

async function rig(extra: Partial<ConnectionOptions> = {}, repo = memoryRepo()): Promise<Rig> {
  const clock = createManualClock(1_000_000);
  const sockets = fakeSockets();
  const told: Rig["told"] = [];
  const failed: unknown[] = [];
  const logs: string[] = [];
  configureLogging({ level: "debug", sink: (l) => void logs.push(l) });
  const core = new ConnectionCore(
    { authRepo: repo, repo, baseUrl: "http://127.0.0.1:8080", makeSocket: sockets.make, random: () => 0.5, ...extra },
    {
      now: () => clock.now(),
      setTimer(ms, fn) {
        const h = clock.setTimeout(fn, ms);
        return () => clock.clearTimeout(h);
      },
      tell: (name, msg) => void told.push({ name, msg }),
      fail: (e) => void failed.push(e),
    },
  );
  await core.start();
  await settle();
  return { core, repo, clock, sockets, told, failed, logs, status: () => core.status() };
}

/** Brings the rig to an open, linked connection. */
async function linked(r: Rig): Promise<void> {
  const s = r.sockets.last();
  s.emit("creds.update", pairedCreds(ME, ME_LID));
  s.emit("connection.update", { connection: "open" });
  await settle();
  assert.equal(r.status().state, "open");
}

describe("connection: login", () => {
  test("a new device shows the QR, logs only where to scan it, and refuses sends with a useful message", async () => {
    const r = await rig();
    assert.equal(r.sockets.all.length, 1);
    assert.equal(r.sockets.last().config.markOnlineOnConnect, false);
    r.sockets.last().emit("connection.update", { connection: "connecting" });
    r.sockets.last().emit("connection.update", { qr: "2@QRSECRET,abc,def,ghi" });
    await settle();
    const st = r.status();
    assert.equal(st.state, "qr");
    assert.equal(st.qr, "2@QRSECRET,abc,def,ghi");
    assert.ok(r.logs.some((l) => l.includes("open http://127.0.0.1:8080/qr to link")));
    assert.ok(!r.logs.join("\n").includes("QRSECRET"), "the QR never reaches a log");
    await assert.rejects(
      r.core.request({ type: "sendText", jid: ALICE, text: "hi" }),
      (e: Error) => e instanceof WhatsAppNotReadyError && e.message === "WhatsApp is not linked yet: open http://127.0.0.1:8080/qr to link this device",
    );
    await r.core.stop();
  });

  test("after pairing, the saved credentials are used at once for the 515 restart, then the link opens", async () => {
    const r = await rig();
    const first = r.sockets.last();
    first.emit("connection.update", { qr: "2@x" });
    await settle();
    first.emit("creds.update", pairedCreds(ME, ME_LID));
    first.emit("connection.update", { isNewLogin: true, qr: undefined });
    first.close(515, "Stream Errored (restart required)");
    await settle();
    const saved = JSON.parse((await r.repo.authGet("creds", ["creds"])).creds, BufferJSON.reviver);
    assert.equal(saved.me.id, ME.replace("@", ":3@"), "creds durable before the restart");
    assert.equal(r.sockets.all.length, 2, "reconnected without waiting");
    assert.equal(r.clock.pending, 0, "no backoff timer");
    assert.equal(r.sockets.last().config.auth.creds.me?.lid, ME_LID, "the new socket has the paired creds");
    r.sockets.last().emit("connection.update", { connection: "open" });
    await settle();
    const st = r.status();
    assert.equal(st.state, "open");
    assert.deepEqual(st.me, { id: ME, pushName: "Me" });
    assert.equal(st.qr, null);
    await r.core.stop();
  });

  test("pairing code: requested for a phone number while the QR is up, shown in the status", async () => {
    const r = await rig();
    await assert.rejects(r.core.request({ type: "requestPairingCode", phone: "+49 171 1111111" }), /still connecting/);
    r.sockets.last().emit("connection.update", { qr: "2@x" });
    await settle();
    await assert.rejects(r.core.request({ type: "requestPairingCode", phone: "12" }), WhatsAppRequestError);
    assert.deepEqual(await r.core.request({ type: "requestPairingCode", phone: "+49 171 1111111" }), { code: "ABCD2345" });
    assert.deepEqual(r.sockets.last().called("requestPairingCode"), [["491711111111"]]);
    const st = r.status();
    assert.equal(st.state, "pairing_code");
    assert.equal(st.pairingCode, "ABCD2345");
    assert.equal(st.qr, null);
    await r.core.stop();
  });

  test("a configured pairing phone gets its code as soon as the first QR arrives", async () => {
    const r = await rig({ pairingPhone: "491711111111" });
    r.sockets.last().emit("connection.update", { qr: "2@x" });
    await settle();
    assert.equal(r.status().state, "pairing_code");
    assert.equal(r.status().pairingCode, "ABCD2345");
    await r.core.stop();
  });
});

describe("connection: reconnect policy in the actor", () => {
  test("a transient close backs off on the injected clock, says so to callers, and reconnects", async () => {
    const r = await rig();
    await linked(r);
    r.sockets.last().close(null, "invalid wire type");
    await settle();
    const st = r.status();
    assert.equal(st.state, "reconnecting");
    assert.equal(st.reconnectAttempt, 1);
    assert.equal(st.nextRetryAt, 1_000_000 + 750);
    await assert.rejects(r.core.request({ type: "sendText", jid: ALICE, text: "x" }), { message: "WhatsApp is reconnecting (attempt 1), try again in 1 s" });
    await r.clock.advance(749);
    assert.equal(r.sockets.all.length, 1);
    await r.clock.advance(1);
    await settle();
    assert.equal(r.sockets.all.length, 2);
    r.sockets.last().emit("connection.update", { connection: "open" });
    await settle();
    assert.equal(r.status().reconnectAttempt, 0);
    await r.core.stop();
  });

  test("440 (replaced) stops without a reconnect fight until asked", async () => {
    const r = await rig();
    await linked(r);
    r.sockets.last().close(440, "Stream Errored (conflict)");
    await settle();
    assert.equal(r.status().state, "replaced");
    await r.clock.advance(10 * 60_000);
    assert.equal(r.sockets.all.length, 1);
    await r.core.request({ type: "reconnect" });
    await settle();
    assert.equal(r.sockets.all.length, 2);
    await r.core.stop();
  });

  test("401 clears the session in the store and waits; relink starts a fresh login", async () => {
    const r = await rig();
    await linked(r);
    await r.core.request({ type: "status" });
    const noise = r.sockets.last().config.auth.creds.noiseKey.public;
    r.sockets.last().close(401, "Connection Failure");
    await settle();
    assert.equal(r.status().state, "logged_out");
    assert.deepEqual(r.repo.commits.at(-1), [{ op: "clearAuth" }]);
    assert.equal(r.repo.auth.size, 0);
    await r.clock.advance(10 * 60_000);
    assert.equal(r.sockets.all.length, 1, "no reconnect without a relink");
    await assert.rejects(r.core.request({ type: "sendText", jid: ALICE, text: "x" }), /logged this device out: open http:\/\/127\.0\.0\.1:8080\/qr/);
    await r.core.request({ type: "relink" });
    await settle();
    assert.equal(r.sockets.all.length, 2);
    assert.notDeepEqual(r.sockets.last().config.auth.creds.noiseKey.public, noise, "fresh credentials");
    assert.equal(r.sockets.last().config.auth.creds.me, undefined);
    await r.core.stop();
  });

  test("logout while open tells WhatsApp, then the 401 clears the session", async () => {
    const r = await rig();
    await linked(r);
    assert.deepEqual(await r.core.request({ type: "logout" }), { ok: true });
    await settle();
    assert.equal(r.sockets.last().called("logout").length, 1);
    assert.equal(r.status().state, "logged_out");
    assert.equal(r.repo.auth.size, 0);
    await r.core.stop();
  });

  test("a close from a socket we already replaced is ignored", async () => {
    const r = await rig();
    await linked(r);
    r.sockets.last().close(440);
    await settle();
    await r.core.request({ type: "relink" });
    await settle();
    const old = r.sockets.all[0];
    old.ended = false;
    old.close(428);
    await settle();
    assert.equal(r.status().state, "connecting");
    assert.equal(r.clock.pending, 0);
    await r.core.stop();
  });

  test("a credentials save that fails crashes the actor (no silent loss of the session)", async () => {
    const r = await rig();
    r.repo.failCommits(new Error("disk full"));
    r.sockets.last().emit("creds.update", { nextPreKeyId: 40 });
    await settle();
    assert.equal(r.failed.length, 1);
    assert.match(String(r.failed[0]), /disk full/);
    r.repo.failCommits(null);
    await r.core.stop();
  });
});

describe("connection: events and requests", () => {
  test("data events go to the sync actor with who we are; history progress shows in the status", async () => {
    const r = await rig();
    await linked(r);
    const msg = wa({ key: { remoteJid: ALICE, fromMe: false, id: "A1" }, messageTimestamp: T0, message: { conversation: "hello" } });
    r.sockets.last().emit("messages.upsert", { messages: [msg], type: "notify" });
    await settle();
    const forwarded = r.told.filter((t) => t.name === "sync");
    assert.equal(forwarded.length >= 1, true);
    const last = forwarded.at(-1)!.msg as { type: string; events: Record<string, unknown>; me: unknown };
    assert.equal(last.type, "events");
    assert.deepEqual(Object.keys(last.events), ["messages.upsert"]);
    assert.deepEqual(last.me, { id: ME, lid: ME_LID });
    await r.core.request({ type: "historyProgress", syncType: "INITIAL_BOOTSTRAP", progress: 30, messages: 120, chats: 4 });
    const h = r.status().history;
    assert.deepEqual({ ...h, lastSyncAt: h.lastSyncAt !== null }, { syncs: 1, messages: 120, chats: 4, lastSyncAt: true, progress: 30, inProgress: true });
    await r.core.stop();
  });

  test("sendText quotes the stored message by its raw key, never fetches a link preview", async () => {
    const repo = memoryRepo();
    const quoted = wa({ key: { remoteJid: GROUP, participant: ALICE, fromMe: false, id: "Q1" }, messageTimestamp: T0, message: { conversation: "original" } });
    await repo.commit(mapMessage(quoted, ctx(), "notify"));
    const r = await rig({}, repo);
    await linked(r);
    const res = await r.core.request({ type: "sendText", jid: GROUP, text: "reply https://example.com", quoted: { chatJid: GROUP, id: "Q1", fromMe: false }, mentions: [ALICE] });
    const [[jid, content, options]] = r.sockets.last().called("sendMessage") as [[string, Record<string, unknown>, { quoted: proto.IWebMessageInfo }]];
    assert.equal(jid, GROUP);
    assert.deepEqual(content, { text: "reply https://example.com", linkPreview: null, mentions: [ALICE] });
    assert.equal(options.quoted.key?.id, "Q1");
    assert.equal(options.quoted.key?.participant, ALICE);
    assert.equal(options.quoted.message?.conversation, "original");
    assert.deepEqual(res, { id: "3EB0FAKE1", chatJid: GROUP, ts: T0 * 1000 });
    await assert.rejects(r.core.request({ type: "sendText", jid: GROUP, text: "x", quoted: { chatJid: GROUP, id: "NOPE", fromMe: false } }), /quoted message is not in the store/);
    await r.core.stop();
  });

  test("a voice note is sent as bytes with ptt, duration and waveform; react/edit/revoke use the stored key", async () => {
    const repo = memoryRepo();
    const mine = wa({ key: { remoteJid: ALICE, fromMe: true, id: "MINE1" }, messageTimestamp: T0, message: { conversation: "typo" } });
    await repo.commit(mapMessage(mine, ctx(), "append"));
    const r = await rig({}, repo);
    await linked(r);
    const waveform = new Uint8Array(64).fill(9);
    await r.core.request({ type: "sendMedia", jid: ALICE, media: { kind: "audio", bytes: new Uint8Array([1, 2, 3]), mimetype: "audio/ogg; codecs=opus", ptt: true, seconds: 4.4, waveform } });
    const [, audio] = r.sockets.last().called("sendMessage")[0] as [string, Record<string, unknown>];
    assert.equal(audio.ptt, true);
    assert.equal(audio.seconds, 4);
    assert.ok(audio.audio instanceof Uint8Array && (audio.audio as Uint8Array).length === 3);
    assert.deepEqual([...(audio.waveform as Uint8Array)], [...waveform]);
    const target = { chatJid: ALICE, id: "MINE1", fromMe: true };
    await r.core.request({ type: "react", target, emoji: "👍" });
    await r.core.request({ type: "edit", target, text: "fixed" });
    await r.core.request({ type: "revoke", target });
    const sends = JSON.parse(JSON.stringify(r.sockets.last().called("sendMessage").slice(1).map((a) => a[1])));
    assert.deepEqual(sends, [
      { react: { text: "👍", key: { remoteJid: ALICE, fromMe: true, id: "MINE1" } } },
      { text: "fixed", edit: { remoteJid: ALICE, fromMe: true, id: "MINE1" }, linkPreview: null },
      { delete: { remoteJid: ALICE, fromMe: true, id: "MINE1" } },
    ]);
    await assert.rejects(r.core.request({ type: "edit", target: { ...target, fromMe: false }, text: "x" }), /Only your own messages/);
    await r.core.stop();
  });

  test("fetchHistory anchors on the oldest stored message of the chat", async () => {
    const repo = memoryRepo();
    for (let i = 0; i < 13; i++) {
      await repo.commit(mapMessage(wa({ key: { remoteJid: ALICE, fromMe: i % 2 === 0, id: `H${i}` }, messageTimestamp: T0 + 100 - i, message: { conversation: `m${i}` } }), ctx(), "history"));
    }
    await repo.commit(mapMessage(wa({ key: { remoteJid: GROUP, participant: ALICE, fromMe: false, id: "OTHER" }, messageTimestamp: T0 - 999, message: { conversation: "x" } }), ctx(), "history"));
    const r = await rig({}, repo);
    await linked(r);
    assert.deepEqual(await r.core.request({ type: "fetchHistory", chatJid: ALICE, count: 500 }), { requestId: "PDO-REQUEST-1" });
    const [[count, key, ts]] = r.sockets.last().called("fetchMessageHistory") as [[number, { id: string; fromMe: boolean; remoteJid: string }, number]];
    assert.equal(count, 50, "clamped to what WhatsApp serves");
    assert.deepEqual({ id: key.id, fromMe: key.fromMe, remoteJid: key.remoteJid }, { id: "H12", fromMe: true, remoteJid: ALICE });
    assert.equal(ts, (T0 + 100 - 12) * 1000);
    await assert.rejects(r.core.request({ type: "fetchHistory", chatJid: "491799999999@s.whatsapp.net", count: 10 }), /No stored message in this chat/);
    await r.core.stop();
  });

  test("downloadMedia asks the phone to re-upload expired media (410), retries, and stores the new location", async () => {
    const plain = new TextEncoder().encode("the photo bytes ".repeat(100));
    const enc = await encryptedStream(globalThis.Buffer.from(plain), "image");
    const body = readFileSync(enc.encFilePath);
    unlinkSync(enc.encFilePath);
    const server = createServer((req, res) => {
      if (req.url === "/fresh") {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.end(body);
      } else {
        res.writeHead(410);
        res.end();
      }
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const repo = memoryRepo();
      const msg = wa({
        key: { remoteJid: ALICE, fromMe: false, id: "IMG" },
        messageTimestamp: T0,
        message: { imageMessage: { url: `${base}/expired`, mimetype: "image/jpeg", mediaKey: enc.mediaKey, fileSha256: enc.fileSha256, fileEncSha256: enc.fileEncSha256, fileLength: plain.length } },
      });
      await repo.commit(mapMessage(msg, ctx(), "notify"));
      // A plain-HTTP test origin, allowed through the seam the operator's --extra-media-hosts uses.
      const r = await rig({ mediaOrigins: [base] }, repo);
      await assert.rejects(r.core.request({ type: "downloadMedia", chatJid: ALICE, id: "IMG" }), /expired \(410\) and re-uploading needs an open WhatsApp connection/);
      await linked(r);
      r.sockets.last().onUpdateMedia = (m) => {
        m.message!.imageMessage!.url = `${base}/fresh`;
        return m;
      };
      const got = await r.core.request({ type: "downloadMedia", chatJid: ALICE, id: "IMG" }) as { bytes: Uint8Array; mimetype: string };
      assert.deepEqual(r.sockets.last().called("updateMediaMessage"), [["IMG"]]);
      assert.equal(new TextDecoder().decode(got.bytes), new TextDecoder().decode(plain));
      assert.equal(got.mimetype, "image/jpeg");
      const stored = repo.messages.get(`${ALICE}\u0000IMG`)!;
      assert.equal(stored.media?.url, `${base}/fresh`);
      assert.equal(proto.WebMessageInfo.decode(stored.raw!).message?.imageMessage?.url, `${base}/fresh`);
      // Downloading again needs no re-upload.
      await r.core.request({ type: "downloadMedia", chatJid: ALICE, id: "IMG" });
      assert.equal(r.sockets.last().called("updateMediaMessage").length, 1);
      await assert.rejects(r.core.request({ type: "downloadMedia", chatJid: ALICE, id: "MISSING" }), /not in the store/);
      await r.core.stop();
    } finally {
      server.close();
    }
  });

  test("download_media refuses a location that is not a WhatsApp media host before any connection", async () => {
    let connections = 0;
    const listener = createNetServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((ok) => listener.listen(0, "127.0.0.1", ok));
    const port = (listener.address() as AddressInfo).port;
    try {
      const repo = memoryRepo();
      const key = new Uint8Array(32).fill(7);
      const forged: Array<[string, { url?: string; directPath?: string }]> = [
        ["U1", { url: `https://127.0.0.1:${port}/v/t62/x.enc` }],
        ["U2", { url: `https://127.0.0.1:${port}/v/x`, directPath: "/v/x" }],
        ["U3", { directPath: `@127.0.0.1:${port}/v/x` }],
        ["U4", { url: `http://127.0.0.1:${port}/v/x` }],
        ["U5", { url: `https://mmg.whatsapp.net.127.0.0.1.nip.io:${port}/v/x` }],
        ["U6", { url: "https://mmg.whatsapp.net/v/x", directPath: `.127.0.0.1.nip.io:${port}/v/x` }],
      ];
      for (const [id, loc] of forged) {
        await repo.commit(mapMessage(wa({
          key: { remoteJid: ALICE, fromMe: false, id },
          messageTimestamp: T0,
          message: { imageMessage: { ...loc, mimetype: "image/jpeg", mediaKey: key, fileLength: 10 } },
        }), ctx(), "notify"));
      }
      const r = await rig({}, repo);
      await linked(r);
      for (const [id] of forged) {
        await assert.rejects(
          r.core.request({ type: "downloadMedia", chatJid: ALICE, id }),
          /Not downloading this media: .*(not one of WhatsApp's media hosts|not HTTPS|user name|non-standard port)/,
          id,
        );
      }
      assert.deepEqual(r.sockets.last().called("updateMediaMessage"), [], "no re-upload asked either");
      await r.core.stop();
      assert.equal(connections, 0, "the listener on 127.0.0.1 got no connection");
    } finally {
      listener.close();
    }
  });

  test("markRead and onWhatsApp go to the open socket", async () => {
    const r = await rig();
    await linked(r);
    assert.deepEqual(await r.core.request({ type: "markRead", chatJid: ALICE, messages: [{ chatJid: ALICE, id: "Z1", fromMe: false }] }), { ok: true });
    assert.deepEqual(r.sockets.last().called("readMessages"), [[[{ remoteJid: ALICE, id: "Z1", fromMe: false, participant: undefined }]]]);
    assert.deepEqual(await r.core.request({ type: "onWhatsApp", phone: "+49 171 1111111" }), { exists: true, jid: ALICE });
    await r.core.stop();
  });
});
