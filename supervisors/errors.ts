/** The errors of the kernel; each says what happened and to whom. */

const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * Thrown by `receive` for a domain error (bad input, not found...): it rejects only that `ask`,
 * as is, and the actor goes on. Any other throw crashes the actor. Subclass it freely.
 */
export class ReplyError extends Error {
  override name = "ReplyError";
}

/** No reply within the ask's timeout. The message may still be handled later unless it was not yet started. */
export class AskTimeoutError extends Error {
  override name = "AskTimeoutError";
  constructor(readonly actor: string, readonly timeoutMs: number) {
    super(`Cannot get a reply from "${actor}": no reply within ${timeoutMs} ms`);
  }
}

/** Nobody is registered under the name. */
export class NoProcError extends Error {
  override name = "NoProcError";
  constructor(readonly actor: string) {
    super(`Cannot reach "${actor}": no actor is registered under that name`);
  }
}

/** The actor crashed while handling this ask; `cause` is what it threw. */
export class ActorCrashedError extends Error {
  override name = "ActorCrashedError";
  constructor(readonly actor: string, cause: unknown) {
    super(`Actor "${actor}" crashed while handling the message: ${describe(cause)}`, { cause });
  }
}

/**
 * The actor stopped (or was stopping) before it handled this ask, or, when `deferred` is true,
 * before the reply it deferred (`deferReply`) was ready: the work may or may not have happened.
 */
export class ActorStoppedError extends Error {
  override name = "ActorStoppedError";
  constructor(readonly actor: string, readonly deferred = false) {
    super(
      deferred
        ? `Cannot get a reply from "${actor}": it stopped before its deferred reply was ready`
        : `Cannot get a reply from "${actor}": it stopped before handling the message`,
    );
  }
}

/** A child could not be started; `cause` is its error. */
export class StartFailedError extends Error {
  override name = "StartFailedError";
  constructor(readonly child: string, cause: unknown) {
    super(`Cannot start child "${child}": ${describe(cause)}`, { cause });
  }
}

/** A supervisor exceeded its restart intensity and gave up; `cause` is the last failure. */
export class EscalationError extends Error {
  override name = "EscalationError";
  constructor(readonly supervisor: string, readonly intensity: number, readonly periodMs: number, cause: unknown) {
    super(
      `Supervisor "${supervisor}" gave up: more than ${intensity} restarts within ${periodMs} ms (last: ${
        describe(cause)
      })`,
      { cause },
    );
  }
}

/** A child did not stop within its `shutdownMs` and was abandoned (its signal aborted). */
export class ShutdownTimeoutError extends Error {
  override name = "ShutdownTimeoutError";
  constructor(readonly child: string, readonly shutdownMs: number) {
    super(`Child "${child}" did not stop within ${shutdownMs} ms and was abandoned`);
  }
}
