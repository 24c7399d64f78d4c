/**
 * Baileys 7.0.0-rc14's event buffer can stay on with no work in flight, holding every event it
 * buffers (incoming messages, chat updates: the echo of the user's own pin or mute) until its
 * 30 s auto-flush. How (Utils/event-buffer.js): a buffered function that ends schedules
 * `flushPendingTimeout`; when that timer fires after another path has flushed already, `flush()`
 * returns early without clearing the handle, and from then on no ending buffered function
 * schedules a flush again (the stale handle looks pending). The next buffer turned on then stays
 * on with nothing left to end it.
 *
 * So a watchdog: a buffer seen on at two looks `stuckMs` apart is flushed. An early flush of a
 * buffer that is legitimately on only splits its events into two batches, as Baileys' own
 * "only buffer" timer does; nothing is lost or reordered.
 */
import { unrefTimer } from "../runtime/process.ts";

/** What the watchdog needs of Baileys' event emitter (`sock.ev`). */
export interface BufferingEmitter {
  isBuffering(): boolean;
  flush(): unknown;
}

/** How often the watchdog looks, and how long a buffer may be seen on before it is flushed. */
export interface WatchdogOptions {
  everyMs?: number;
  stuckMs?: number;
  now?: () => number;
}

const EVERY_MS = 250;
const STUCK_MS = 1000;

/** Pure step of the watchdog: given when it first saw the buffer on (null: off), decides at `now`. */
export function watchdogStep(bufferOn: boolean, since: number | null, now: number, stuckMs: number): { since: number | null; flush: boolean } {
  if (!bufferOn) return { since: null, flush: false };
  if (since === null) return { since: now, flush: false };
  return now - since >= stuckMs ? { since: null, flush: true } : { since, flush: false };
}

/** Watches `ev`'s buffer (see the module doc); returns the stop. */
export function watchEventBuffer(ev: BufferingEmitter, o: WatchdogOptions = {}): () => void {
  const stuckMs = o.stuckMs ?? STUCK_MS;
  const now = o.now ?? (() => performance.now());
  let since: number | null = null;
  const timer = setInterval(() => {
    const step = watchdogStep(ev.isBuffering(), since, now(), stuckMs);
    since = step.since;
    if (step.flush) ev.flush();
  }, o.everyMs ?? EVERY_MS);
  unrefTimer(timer);
  return () => clearInterval(timer);
}
