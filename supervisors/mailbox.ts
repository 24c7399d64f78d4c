/**
 * An actor's queue: items are delivered one at a time, each awaited before the next, and never
 * in the sender's stack (delivery starts on a microtask), so a `tell` cannot re-enter its sender.
 */
export interface Mailbox<T> {
  /** Queues an item; false once the mailbox is closed. */
  enqueue(item: T): boolean;
  /** Starts delivering queued and future items to `deliver`, which must not throw. */
  start(deliver: (item: T) => void | Promise<void>): void;
  /** Refuses new items and returns the queued ones (the item being delivered finishes). */
  close(): T[];
}

/** Makes mailboxes; injectable through `startTree`'s `mailbox` option. */
export type MailboxFactory = <T>() => Mailbox<T>;

/** The default unbounded FIFO mailbox (cf. xstate's `Mailbox.ts`). */
export function createMailbox<T>(): Mailbox<T> {
  let queue: T[] = [];
  let head = 0;
  let deliver: ((item: T) => void | Promise<void>) | undefined;
  let draining = false;
  let closed = false;

  const drain = async () => {
    while (!closed && head < queue.length) {
      const item = queue[head];
      queue[head++] = undefined as T; // let it be collected
      if (head >= 1024 && head * 2 >= queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      await deliver!(item);
    }
    draining = false;
  };
  const kick = () => {
    if (deliver && !draining && !closed && head < queue.length) {
      draining = true;
      queueMicrotask(() => void drain());
    }
  };

  return {
    enqueue(item) {
      if (closed) return false;
      queue.push(item);
      kick();
      return true;
    },
    start(fn) {
      deliver = fn;
      kick();
    },
    close() {
      closed = true;
      const rest = queue.slice(head);
      queue = [];
      head = 0;
      return rest;
    },
  };
}
