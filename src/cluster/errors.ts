/**
 * The cluster's domain error, in a module of its own so the WhatsApp side can recognise it
 * without loading the PostgreSQL client.
 */

/** A leader's write was refused: this instance does not hold the lease (or its token is stale). */
export class StaleLeaderError extends Error {
  override name = "StaleLeaderError";
}

/** True when `err`, or an error it was caused by (e.g. an actor reply wrapping it), is a StaleLeaderError. */
export function isStaleLeader(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof StaleLeaderError || (e as { name?: unknown }).name === "StaleLeaderError") return true;
  }
  return false;
}
