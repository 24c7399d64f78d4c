/**
 * Replies sent later (OTP's `{noreply, State}` then `gen_server:reply/2`): `receive` hands the
 * kernel the promise of its answer and the actor goes on with its next message meanwhile.
 */

/**
 * The marker `receive` returns to answer later. Build it with `deferReply`; only the kernel
 * looks inside.
 */
export class DeferredReply<R = unknown> {
  /** What answers the ask once it settles (read by the kernel). */
  readonly work: Promise<R>;
  constructor(work: PromiseLike<R>) {
    this.work = Promise.resolve(work); // a thenable is adopted once
    // The kernel takes the rejection over as soon as `receive` returns this; until then (an async
    // `receive` still awaiting something) it must not be reported as unhandled.
    this.work.catch(() => {});
  }
}

/**
 * Tells the kernel that the ask being handled is answered when `work` settles, and that the
 * actor may take its next message now. Return it from `receive`:
 *
 * - `work` resolves: its value answers the ask (as a returned value would);
 * - `work` rejects with a `ReplyError`: only that ask rejects, with it;
 * - `work` rejects with anything else: the ask rejects with `ActorCrashedError` and the actor
 *   crashes, as if `receive` had thrown it.
 *
 * The ask's timeout and abort signal still apply. A deferred reply still pending when the actor
 * stops may settle until its `stop` hook has returned; then it rejects with `ActorStoppedError`,
 * and whatever `work` does later is ignored. From a `tell`, only the crash case matters.
 *
 * Several deferred replies run at once and may settle in any order: work whose order matters
 * (e.g. messages to one chat) must be queued by the behaviour itself.
 *
 * @example
 * receive(msg) {
 *   if (msg.type === "status") return state;            // answered now
 *   return deferReply(upload(msg.bytes));                // answered when the upload ends
 * }
 */
export function deferReply<R>(work: PromiseLike<R>): DeferredReply<R> {
  return new DeferredReply(work);
}
