/**
 * processSocketEvents against Baileys' REAL event buffer, driven the way Baileys' `end()` drives it
 * (emit the close, then `destroy()` in the same tick). Plain `ev.process` loses what these tests
 * check; the end-to-end drop during a history sync (test/e2e/) is where it was found.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { makeEventBuffer, proto } from "@whiskeysockets/baileys";
import type { BaileysEventMap, WAMessage } from "@whiskeysockets/baileys";
import { processSocketEvents } from "../../src/whatsapp/socket_events.ts";
import { watchdogStep } from "../../src/whatsapp/buffer_watchdog.ts";
import { silentLogger } from "../sim/silent-logger.ts";

type Batch = Partial<BaileysEventMap>;

const msg = (id: string): WAMessage => ({ key: { remoteJid: "15551230001@s.whatsapp.net", fromMe: false, id }, message: { conversation: "x" } });

/** What Baileys' `end()` does to the buffer: emit the close, then destroy it, synchronously. */
function end(ev: ReturnType<typeof makeEventBuffer>): void {
  ev.emit("connection.update", { connection: "close", lastDisconnect: { error: new Error("Connection Terminated"), date: new Date() } });
  ev.removeAllListeners("connection.update");
  ev.destroy();
}

const upsertIds = (batches: Batch[]) => batches.flatMap((b) => b["messages.upsert"]?.messages.map((m) => m.key.id) ?? []);

describe("processSocketEvents", () => {
  test("a message still held in Baileys' buffer when the socket ends reaches the handler, before the close", async () => {
    const ev = makeEventBuffer(silentLogger as never);
    const got: Batch[] = [];
    processSocketEvents({ ev }, (b) => void got.push(b));
    // As Baileys handles an incoming message: inside a buffered function, released 100 ms later.
    await ev.createBufferedFunction(async () => {
      ev.emit("messages.upsert", { messages: [msg("M1")], type: "notify" });
    })();
    assert.deepEqual(upsertIds(got), [], "precondition: the message waits in the buffer");
    end(ev);
    assert.deepEqual(upsertIds(got), ["M1"]);
    const closeAt = got.findIndex((b) => b["connection.update"]?.connection === "close");
    const dataAt = got.findIndex((b) => b["messages.upsert"]);
    assert.ok(dataAt >= 0 && dataAt < closeAt, "the data must come before the close");
  });

  test("events emitted by work still in flight after the socket ended reach the handler", async () => {
    const ev = makeEventBuffer(silentLogger as never);
    const got: Batch[] = [];
    processSocketEvents({ ev }, (b) => void got.push(b));
    end(ev);
    await Promise.resolve();
    // A history chunk whose inflate finished after the close.
    ev.emit("messaging-history.set", { chats: [], contacts: [], messages: [msg("H1")], syncType: proto.HistorySync.HistorySyncType.RECENT });
    const late = got.flatMap((b) => b["messaging-history.set"]?.messages.map((m) => m.key.id) ?? []);
    assert.deepEqual(late, ["H1"]);
  });

  test("while the socket is open, every batch reaches the handler once", async () => {
    const ev = makeEventBuffer(silentLogger as never);
    const got: Batch[] = [];
    processSocketEvents({ ev }, (b) => void got.push(b));
    ev.emit("messages.upsert", { messages: [msg("A")], type: "notify" });
    ev.emit("messages.upsert", { messages: [msg("B")], type: "notify" });
    assert.deepEqual(upsertIds(got), ["A", "B"]);
    end(ev);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Drives Baileys' real buffer into the state where it stays on with nothing in flight (see
 * buffer_watchdog.ts): a buffered function ends, a second starts within 100 ms and is flushed
 * under it by the first one's timer, the second's own flush timer then fires on a flushed buffer
 * and is left pending for good; a third buffered function's events are held.
 */
async function stuckBuffer(ev: ReturnType<typeof makeEventBuffer>): Promise<void> {
  await ev.createBufferedFunction(async () => {})();
  await ev.createBufferedFunction(() => sleep(150))();
  await sleep(150);
  await ev.createBufferedFunction(async () => {
    ev.emit("chats.update", [{ id: "15551230001@s.whatsapp.net", pinned: 1 }]);
  })();
}

const pinned = (batches: Batch[]) => batches.flatMap((b) => b["chats.update"]?.map((u) => u.pinned) ?? []);

describe("Baileys' event buffer left on (buffer_watchdog.ts)", () => {
  test("precondition: without the watchdog, Baileys holds the update with nothing in flight", async () => {
    const ev = makeEventBuffer(silentLogger as never);
    const got: Batch[] = [];
    processSocketEvents({ ev }, (b) => void got.push(b), { stuckMs: Infinity });
    await stuckBuffer(ev);
    await sleep(600);
    assert.deepEqual(pinned(got), [], "Baileys flushed after all: the state this test builds is gone");
    assert.equal(ev.isBuffering(), true);
    end(ev); // its close flushes: the update arrives then
    assert.deepEqual(pinned(got), [1]);
  });

  test("the watchdog flushes a buffer left on: the update arrives within a second", async () => {
    const ev = makeEventBuffer(silentLogger as never);
    const got: Batch[] = [];
    processSocketEvents({ ev }, (b) => void got.push(b), { everyMs: 50, stuckMs: 300 });
    await stuckBuffer(ev);
    for (let i = 0; i < 20 && pinned(got).length === 0; i++) await sleep(50);
    assert.deepEqual(pinned(got), [1]);
    assert.equal(ev.isBuffering(), false);
    end(ev);
  });
});

describe("watchdogStep", () => {
  test("flushes only a buffer seen on at two looks stuckMs apart", () => {
    assert.deepEqual(watchdogStep(false, 5, 100, 50), { since: null, flush: false });
    assert.deepEqual(watchdogStep(true, null, 100, 50), { since: 100, flush: false });
    assert.deepEqual(watchdogStep(true, 100, 149, 50), { since: 100, flush: false });
    assert.deepEqual(watchdogStep(true, 100, 150, 50), { since: null, flush: true });
  });
});
