/**
 * The connection actor defers the replies of slow requests: in the REAL kernel (with the store
 * actor in front of a test repository and a stand-in socket whose sends the test holds open),
 * `status` answers while an upload is in flight, sends to one chat keep their order, and a send
 * to another chat does not wait.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ActorStoppedError, createManualClock, createRegistry, NoProcError, startTree, worker } from "../../supervisors/mod.ts";
import { storeBehavior } from "../../src/store/actor.ts";
import { storeClient } from "../../src/store/client.ts";
import type { LinkStatus } from "../../src/status/types.ts";
import type { Repository } from "../../src/store/types.ts";
import { WhatsAppRequestError } from "../../src/whatsapp/errors.ts";
import type { ConnectionMsg, SendResult } from "../../src/whatsapp/protocol.ts";
import { whatsappSupervisor } from "../../src/whatsapp/tree.ts";
import { type FakeSocket, fakeSockets, pairedCreds } from "./fake_socket.ts";
import { ALICE, BOB, ME, ME_LID } from "./fixtures.ts";
import { asStoreBackend, memoryRepo } from "./memory_repo.ts";

const settle = async () => {
  for (let i = 0; i < 8; i++) await new Promise((r) => setTimeout(r, 0));
};

/** A linked connection in a real tree on a manual clock; `storeGone()` makes its store reads fail as while the store restarts. */
async function linkedTree() {
  const repo = memoryRepo();
  const sockets = fakeSockets();
  const clock = createManualClock(5_000_000);
  const registry = createRegistry();
  const client = storeClient(registry);
  let gone = false;
  const reads: Repository = {
    ...client,
    getRawMessage: (chatJid, id) => (gone ? Promise.reject(new NoProcError("store")) : client.getRawMessage(chatJid, id)),
  };
  const events: string[] = [];
  const t = await startTree({
    strategy: "one_for_one",
    intensity: 3,
    periodMs: 60_000,
    children: [
      worker("store", () => storeBehavior(() => Promise.resolve(asStoreBackend(repo)))),
      whatsappSupervisor({
        connection: { authRepo: client, repo: reads, baseUrl: "http://127.0.0.1:8080", makeSocket: sockets.make, random: () => 0.5 },
        sync: { repo: client },
      }),
    ],
  }, { clock, registry, onEvent: (e) => void events.push(`${e.type}:${e.id}`) });
  await settle();
  const s = sockets.last();
  s.emit("creds.update", pairedCreds(ME, ME_LID));
  s.emit("connection.update", { connection: "open" });
  await settle();
  const ask = <R>(msg: ConnectionMsg, timeoutMs = 180_000) => t.registry.ask<R>("connection", msg, { timeoutMs });
  return { t, clock, socket: s, ask, events, storeGone: () => (gone = true) };
}

/** Holds every send of media open until `release()` (an upload in flight); other sends go through. */
function holdMediaSends(s: FakeSocket): { release: () => void } {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const plain = s.onSend;
  s.onSend = async (jid, content) => {
    if ("image" in content) await held;
    return plain(jid, content);
  };
  return { release };
}

/** Tracks whether a promise has settled, without leaving its rejection unhandled. */
function watch(p: Promise<unknown>): { readonly settled: boolean } {
  const state = { settled: false };
  p.then(() => (state.settled = true), () => (state.settled = true));
  return state;
}

const photo = { kind: "image" as const, bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), mimetype: "image/jpeg" };

describe("connection actor: slow requests do not block the mailbox", () => {
  test("status answers within its 5 s timeout while a sendMedia is still uploading", async () => {
    const { t, clock, socket, ask } = await linkedTree();
    try {
      const upload = holdMediaSends(socket);
      const sent = ask<SendResult>({ type: "sendMedia", jid: ALICE, media: photo });
      const sendState = watch(sent);
      await settle();
      assert.equal(socket.called("sendMessage").length, 1, "the upload has started");
      // Given an upload in flight, when status is asked with the 5 s timeout the tools use,
      // then it is answered before that timeout could fire (a blocked mailbox would time it out).
      const status = ask<LinkStatus>({ type: "status" }, 5_000);
      await clock.advance(5_000);
      assert.equal((await status).state, "open");
      assert.equal(sendState.settled, false, "the upload is still running");
      upload.release();
      const result = await sent;
      assert.equal(result.chatJid, ALICE);
      assert.match(result.id, /^3EB0FAKE/);
    } finally {
      await t.stop();
    }
  });

  test("sends to one chat go out in the order asked; a send to another chat does not wait", async () => {
    const { t, socket, ask } = await linkedTree();
    try {
      const upload = holdMediaSends(socket);
      const media = ask<SendResult>({ type: "sendMedia", jid: ALICE, media: photo });
      const after = ask<SendResult>({ type: "sendText", jid: ALICE, text: "about that photo" });
      const other = ask<SendResult>({ type: "sendText", jid: BOB, text: "meanwhile" });
      const afterState = watch(after);
      assert.equal((await other).chatJid, BOB);
      await settle();
      assert.equal(afterState.settled, false, "the text waits for the photo to the same chat");
      assert.deepEqual(socket.called("sendMessage").map(([jid]) => jid), [ALICE, BOB]);
      upload.release();
      await Promise.all([media, after]);
      const order = socket.called("sendMessage").map(([jid, content]) => `${jid}:${"image" in (content as object) ? "image" : "text"}`);
      assert.deepEqual(order, [`${ALICE}:image`, `${BOB}:text`, `${ALICE}:text`]);
    } finally {
      await t.stop();
    }
  });

  test("a download whose store read fails rejects only that ask; the connection is not restarted", async () => {
    const { t, ask, events, storeGone } = await linkedTree();
    try {
      storeGone();
      await assert.rejects(
        ask({ type: "downloadMedia", chatJid: ALICE, id: "IMG1" }),
        (e: unknown) => e instanceof WhatsAppRequestError && /no actor is registered/.test((e as Error).message),
      );
      assert.equal((await ask<LinkStatus>({ type: "status" }, 5_000)).state, "open");
      assert.ok(!events.some((e) => e.startsWith("crashed")), events.join(","));
    } finally {
      await t.stop();
    }
  });

  test("stopping while an upload is held rejects its ask with ActorStoppedError", async () => {
    const { t, socket, ask } = await linkedTree();
    holdMediaSends(socket);
    const sent = ask<SendResult>({ type: "sendMedia", jid: ALICE, media: photo });
    await settle();
    await t.stop();
    await assert.rejects(sent, (e: unknown) => e instanceof ActorStoppedError && e.actor === "connection" && e.deferred);
  });
});
