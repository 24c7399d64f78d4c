/**
 * Subscribes to a Baileys socket's events without losing the last ones when the socket ends.
 *
 * Baileys 7.0.0-rc14 acknowledges a message to WhatsApp (receipt) BEFORE it emits it: a handled
 * message waits in its event buffer for at least 100 ms (`createBufferedFunction`), and a history
 * chunk is inflated and emitted after its receipt. When the connection drops, `end()` emits the
 * close and then `ev.destroy()`, which throws the buffer away and removes every listener; work
 * still in flight emits into the void. WhatsApp never re-delivers an acknowledged message, so
 * those messages (a whole history chunk, found by the end-to-end tests) were lost for good.
 *
 * So: on the close, the buffer is flushed while our listener is still attached (the data reaches
 * `handler` before the close does), and the listener is attached again once `destroy()` has run,
 * for the work still in flight. The dead socket's emitter is referenced only by that work, so the
 * listener goes away with it.
 *
 * While the socket lives, a watchdog flushes a buffer Baileys left on with nothing in flight
 * (buffer_watchdog.ts): without it such events wait up to 30 s.
 */
import type { BaileysEventMap, WASocket } from "@whiskeysockets/baileys";
import { watchEventBuffer, type WatchdogOptions } from "./buffer_watchdog.ts";

/** Calls `handler` with every batch of events of `sock`, including those emitted while or after it closes. */
export function processSocketEvents(
  sock: Pick<WASocket, "ev">,
  handler: (events: Partial<BaileysEventMap>) => void,
  watchdog: WatchdogOptions = {},
): void {
  const ev = sock.ev;
  const stopWatchdog = watchEventBuffer(ev, watchdog);
  ev.process((events) => {
    if (events["connection.update"]?.connection === "close") {
      stopWatchdog();
      ev.flush(); // re-enters this listener with the buffered data, before the close below
      // end() calls destroy() synchronously right after emitting the close: re-attach after it.
      queueMicrotask(() => ev.process((late) => {
        handler(late);
        return Promise.resolve();
      }));
    }
    handler(events);
    return Promise.resolve();
  });
}
