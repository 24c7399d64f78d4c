/**
 * The actor cell: runs a `Behavior` one message at a time and carries out `tell`, `ask`, deferred
 * replies, crash, normal exit, orderly shutdown and kill. Supervisors create cells with `spawnActor`.
 */
import type { Clock } from "./clock.ts";
import { DeferredReply } from "./deferred.ts";
import { ActorCrashedError, ActorStoppedError, AskTimeoutError, ReplyError } from "./errors.ts";
import type { MailboxFactory } from "./mailbox.ts";
import type { ActorContext, ActorRef, AskOptions, Behavior, MutableRegistry, StopReason } from "./types.ts";

export type { ActorContext, ActorRef, AskOptions, Behavior, StopReason } from "./types.ts";

/** Why a child ended, as its supervisor sees it. */
export type ExitReason =
  | { readonly kind: "normal" }
  | { readonly kind: "shutdown" }
  | { readonly kind: "crash"; readonly error: unknown };

/** A running child (worker or supervisor) as its supervisor handles it. */
export interface Process {
  /** Resolves (never rejects) once the child is gone and its name is free. */
  readonly exited: Promise<ExitReason>;
  /**
   * Orderly stop: the current message finishes, queued asks reject, `stop("shutdown")` runs;
   * deferred replies still pending then reject.
   */
  shutdown(): void;
  /** Abandons the child now: no more hooks awaited, its signal aborted, its asks rejected. */
  kill(): void;
}

/** What a cell needs from the tree it lives in. */
export interface ActorEnv {
  readonly registry: MutableRegistry;
  readonly clock: Clock;
  readonly mailbox: MailboxFactory;
}

/** Options of `spawnActor`. */
export interface SpawnOptions {
  /** Registers the cell under this name for its lifetime. */
  readonly name?: string;
  /** How long `stop` may run after a crash or `exit()` before the cell is abandoned; default 5000. */
  readonly stopTimeoutMs?: number;
}

const DEFAULT_ASK_TIMEOUT_MS = 5000;
let unnamed = 0;

interface Pending {
  done: boolean;
  /** `receive` answered with `deferReply`: the work goes on while other messages are handled. */
  deferred?: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Envelope<M> {
  readonly msg: M;
  readonly reply?: Pending;
}

/**
 * Starts a cell: registers its name, runs `behavior.start`, then delivers messages. Rejects with
 * what `start` threw (or passed to `fail`); the name is free again by then.
 */
export async function spawnActor<M>(
  env: ActorEnv,
  behavior: Behavior<M>,
  options: SpawnOptions = {},
): Promise<Process> {
  const label = options.name ?? `#${++unnamed}`;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5000;
  const mailbox = env.mailbox<Envelope<M>>();
  const controller = new AbortController();
  const waiting = new Set<Pending>(); // asks not answered yet (queued, in hand, or deferred)
  let phase: "starting" | "running" | "stopping" | "dead" = "starting";
  let ending: ExitReason | undefined;
  let started = false;
  let inFlight: Promise<void> | undefined;
  let current: Pending | undefined; // the ask being handled
  let killTimer: unknown;
  let resolveExited!: (reason: ExitReason) => void;
  const exited = new Promise<ExitReason>((resolve) => (resolveExited = resolve));
  const open = () => phase === "starting" || phase === "running";
  // Tells still queued are dropped: count them (queued asks are rejected through `waiting`).
  const closeMailbox = () => {
    for (const envelope of mailbox.close()) if (!envelope.reply) env.registry.deadLetter();
  };

  const ref: ActorRef<M> = {
    name: label,
    tell(msg) {
      if (!open() || !mailbox.enqueue({ msg })) env.registry.deadLetter();
    },
    ask<R>(msg: M, opts: AskOptions = {}): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        const { signal } = opts;
        if (signal?.aborted) return reject(signal.reason);
        if (!open()) return reject(new ActorStoppedError(label));
        const ms = opts.timeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;
        let timer: unknown;
        const onAbort = () => pending.reject(signal!.reason);
        const finish = (fn: () => void) => {
          if (pending.done) return;
          pending.done = true;
          waiting.delete(pending);
          if (timer !== undefined) env.clock.clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          fn();
        };
        const pending: Pending = {
          done: false,
          resolve: (value) => finish(() => resolve(value as R)),
          reject: (error) => finish(() => reject(error)),
        };
        waiting.add(pending);
        if (Number.isFinite(ms)) timer = env.clock.setTimeout(() => pending.reject(new AskTimeoutError(label, ms)), ms);
        signal?.addEventListener("abort", onAbort, { once: true });
        if (!mailbox.enqueue({ msg, reply: pending })) pending.reject(new ActorStoppedError(label));
      });
    },
  };

  const finalize = () => {
    if (phase === "dead") return;
    phase = "dead";
    ending ??= { kind: "shutdown" };
    closeMailbox();
    if (killTimer !== undefined) env.clock.clearTimeout(killTimer);
    if (options.name !== undefined) env.registry.unregister(options.name, ref);
    for (const pending of [...waiting]) pending.reject(new ActorStoppedError(label, pending.deferred));
    controller.abort(new ActorStoppedError(label));
    resolveExited(ending);
  };

  const runStop = async () => {
    await inFlight;
    if (phase === "dead") return;
    if (started && behavior.stop) {
      const reason: StopReason = ending!.kind;
      try {
        await behavior.stop(reason);
      } catch {
        // A failing cleanup does not change why the actor ended; the supervisor acts on that.
      }
    }
    finalize();
  };

  // Begins an orderly end; the first reason wins. During `start`, spawnActor finishes the job.
  const beginStop = (reason: ExitReason, timeoutMs: number) => {
    if (!open()) return;
    const wasStarting = phase === "starting";
    phase = "stopping";
    ending = reason;
    closeMailbox();
    // The message in hand and deferred replies may still be answered until the stop hook returns.
    for (const pending of [...waiting]) {
      if (pending !== current && !pending.deferred) pending.reject(new ActorStoppedError(label));
    }
    if (Number.isFinite(timeoutMs)) killTimer = env.clock.setTimeout(finalize, timeoutMs);
    if (!wasStarting) void runStop();
  };

  const ctx: ActorContext<M> = {
    self: ref,
    registry: env.registry,
    clock: env.clock,
    signal: controller.signal,
    fail: (error) => beginStop({ kind: "crash", error }, stopTimeoutMs),
    exit: () => beginStop({ kind: "normal" }, stopTimeoutMs),
  };

  const handle = async ({ msg, reply }: Envelope<M>) => {
    if (!open() || reply?.done) return; // skip an ask whose asker gave up (timeout or abort) before it started
    current = reply;
    try {
      const value = await behavior.receive(msg, ctx);
      if (value instanceof DeferredReply) answerLater(value.work, reply);
      else reply?.resolve(value);
    } catch (error) {
      failed(error, reply);
    } finally {
      current = undefined;
    }
  };

  // What `receive` threw, or what its deferred work rejected with.
  const failed = (error: unknown, reply: Pending | undefined) => {
    if (error instanceof ReplyError) reply?.reject(error);
    else {
      reply?.reject(new ActorCrashedError(label, error));
      ctx.fail(error);
    }
  };

  // The mailbox goes on; the ask stays in `waiting` (its timeout and signal still apply).
  const answerLater = (work: Promise<unknown>, reply: Pending | undefined) => {
    if (reply) reply.deferred = true;
    work.then(
      (value) => {
        if (phase !== "dead") reply?.resolve(value);
      },
      (error) => {
        if (phase !== "dead") failed(error, reply); // an incarnation that is gone cannot crash again
      },
    );
  };

  const deliver = async (envelope: Envelope<M>) => {
    let done!: () => void;
    inFlight = new Promise<void>((resolve) => (done = resolve)); // set before the handler runs
    try {
      await handle(envelope);
    } finally {
      inFlight = undefined;
      done();
    }
  };

  if (options.name !== undefined) env.registry.register(options.name, ref);
  try {
    await behavior.start?.(ctx);
    started = true;
  } catch (error) {
    ending = { kind: "crash", error };
    finalize();
    throw error;
  }
  if (phase !== "starting") {
    // fail() or exit() was called during start.
    await runStop();
    const end = ending!;
    if (end.kind === "crash") throw end.error;
  } else {
    phase = "running";
    mailbox.start(deliver);
  }
  return {
    exited,
    shutdown: () => beginStop({ kind: "shutdown" }, Infinity),
    kill: finalize,
  };
}
