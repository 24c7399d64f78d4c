/**
 * The contracts actors, the registry and supervisors share, in one file so that none of those
 * modules has to import another's types (no import cycles). Re-exported by `actor.ts` and `registry.ts`.
 */
import type { Clock } from "./clock.ts";

/** Options of one `ask`. */
export interface AskOptions {
  /** Default 5000 ms; `Infinity` waits until the actor answers or stops. */
  readonly timeoutMs?: number;
  /** Aborting rejects the ask with `signal.reason`; a message not yet handled is then skipped. */
  readonly signal?: AbortSignal;
}

/** An actor's address (one incarnation; use the registry to reach whichever incarnation is alive). */
export interface ActorRef<M = unknown> {
  /** The registered name (a worker's child id), or `#<n>`. */
  readonly name: string;
  /** Fire and forget; dropped (and counted in `registry.deadLetters`) if the actor is gone. */
  tell(msg: M): void;
  /**
   * Sends `msg` and resolves with what `receive` returns for it (for a `deferReply`, what its work
   * resolves to). Rejects with the `ReplyError` `receive` threw (or its deferred work rejected
   * with), `ActorCrashedError`, `ActorStoppedError`, `AskTimeoutError`, or `signal.reason`.
   */
  ask<R = unknown>(msg: M, opts?: AskOptions): Promise<R>;
}

/** Names to live actors. A restarted worker registers again under its id. */
export interface Registry {
  whereis<M = unknown>(name: string): ActorRef<M> | undefined;
  /** No-op (counted in `deadLetters`) if nobody is registered. */
  tell(name: string, msg: unknown): void;
  /** Rejects with `NoProcError` if nobody is registered. */
  ask<R = unknown>(name: string, msg: unknown, opts?: AskOptions): Promise<R>;
  /** Registered names, in registration order. */
  names(): string[];
  /** Messages told to nobody (absent name, or an actor that is gone or stopping). */
  readonly deadLetters: number;
}

/** The registry as the kernel uses it: `createRegistry` returns one. */
export interface MutableRegistry extends Registry {
  /** Throws if the name is taken. */
  register(name: string, ref: ActorRef): void;
  /** Removes the binding only if `name` is still bound to `ref`. */
  unregister(name: string, ref: ActorRef): void;
  /** Counts one dropped message. */
  deadLetter(): void;
}

/** Why an actor stops, as its `stop` hook is told. */
export type StopReason = "shutdown" | "crash" | "normal";

/** What an actor's callbacks can use besides the message. */
export interface ActorContext<M = unknown> {
  readonly self: ActorRef<M>;
  readonly registry: Registry;
  readonly clock: Clock;
  /** Aborted when this actor instance stops, for any reason: tie its timers, sockets and workers to it. */
  readonly signal: AbortSignal;
  /** Crashes this actor from outside `receive` (a socket callback, a worker's error event). */
  fail(error: unknown): void;
  /** Stops this actor normally (a transient child is then not restarted). */
  exit(): void;
}

/**
 * An actor's code. A worker spec's `start()` builds a fresh one per incarnation, so state can
 * live in the closure. Messages are handled one at a time, in order: the next one waits until
 * `receive` has returned (and its promise settled). Slow work that must not hold up the mailbox
 * (e.g. a cheap `status` ask behind an upload) returns `deferReply(work)` instead: the ask is
 * answered when `work` settles, and the next message is handled at once.
 *
 * @example
 * const counter = (): Behavior<{ type: "add"; n: number } | { type: "get" }> => {
 *   let total = 0;
 *   return {
 *     receive(msg) {
 *       if (msg.type === "add") total += msg.n;
 *       return total; // answers an ask
 *     },
 *   };
 * };
 */
export interface Behavior<M = unknown> {
  /** Runs before the first message (messages sent meanwhile wait); a throw means the child failed to start. */
  start?(ctx: ActorContext<M>): void | Promise<void>;
  /**
   * Handles one message; the return value answers an `ask`. Throw `ReplyError` to reject only that
   * ask; any other throw crashes the actor. Return `deferReply(work)` to answer when `work` settles.
   */
  receive(msg: M, ctx: ActorContext<M>): unknown | Promise<unknown>;
  /** Releases resources; bounded by the child's `shutdownMs`. Not called if `start` failed. */
  stop?(reason: StopReason): void | Promise<void>;
}
