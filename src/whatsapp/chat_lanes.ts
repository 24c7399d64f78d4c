/**
 * Per-key serial lanes: work for one key runs one at a time, in call order; different keys run
 * side by side. The connection actor answers sends with deferred replies, so its mailbox no
 * longer orders them: this keeps two messages to one chat going out in the order they were asked
 * for (an upload before a text must not be overtaken by it), while a send to another chat need
 * not wait. Baileys itself is safe with concurrent sends (its own per-JID encryption mutex).
 */

/** Serial lanes by key (see the file comment). */
export interface KeyedLanes {
  /** Runs `fn` after all work queued earlier under `key` has settled (fulfilled or not). */
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Keys with work queued or running (drained lanes are forgotten). */
  readonly busy: number;
}

/** Creates an empty set of lanes. */
export function createKeyedLanes(): KeyedLanes {
  const tails = new Map<string, Promise<void>>();
  return {
    run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const before = tails.get(key) ?? Promise.resolve();
      const result = before.then(fn);
      const tail = result.then(() => {}, () => {});
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    get busy() {
      return tails.size;
    },
  };
}
