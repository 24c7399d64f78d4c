/**
 * Supervisors and the tree. A supervisor is itself an actor cell whose messages are its
 * children's exits, so it handles one event at a time; its decisions come from `restart_plan.ts`.
 */
import { type ActorEnv, type ExitReason, type Process, spawnActor } from "./actor.ts";
import { checkSupervisorSpec, type ChildSpec, type SupervisorSpec } from "./child_spec.ts";
import { type Clock, systemClock } from "./clock.ts";
import { EscalationError, ShutdownTimeoutError, StartFailedError } from "./errors.ts";
import { createMailbox, type MailboxFactory } from "./mailbox.ts";
import { createRegistry } from "./registry.ts";
import { decideExit, planRestart, type RestartFlags, type RestartPlan } from "./restart_plan.ts";
import type { ActorContext, Behavior, MutableRegistry, Registry } from "./types.ts";

/** What happened in the tree; `id` is a child id (a supervisor's own id for `escalated`). */
export type TreeEvent =
  | { type: "started"; id: string }
  | { type: "crashed"; id: string; error: unknown }
  | { type: "restarted"; id: string; count: number }
  /** `error` is a `ShutdownTimeoutError` when the child had to be abandoned. */
  | { type: "stopped"; id: string; error?: unknown }
  | { type: "escalated"; id: string; error: unknown }
  | { type: "start_failed"; id: string; error: unknown };

/** One child as `Tree.children` lists it. */
export interface ChildInfo {
  id: string;
  type: "worker" | "supervisor";
  running: boolean;
  /** Times it was started again after its first start. */
  restarts: number;
}

/** A running supervision tree. */
export interface Tree {
  readonly registry: Registry;
  /** Stops children in reverse start order, each within its shutdownMs; resolves when all are gone. */
  stop(): Promise<void>;
  /** The children of the root, or of the supervisor at `path` (child ids joined by "/", e.g. "whatsapp"). */
  children(path?: string): ChildInfo[];
  /** Settles when the root stops: "shutdown" after `stop()`, "escalated" (with the error) if it gave up. */
  readonly done: Promise<{ reason: "shutdown" | "escalated"; error?: unknown }>;
}

/** Options of `startTree`. */
export interface TreeOptions {
  /** The root supervisor's id in events and errors; default "root". */
  name?: string;
  /** Default: a fresh `createRegistry()`. */
  registry?: MutableRegistry;
  /** Default: `systemClock`. */
  clock?: Clock;
  /** Gets every TreeEvent (log them, show them); a throwing listener is ignored. */
  onEvent?: (e: TreeEvent) => void;
  /** Default: `createMailbox`. */
  mailbox?: MailboxFactory;
}

/**
 * Starts a supervision tree: children in order, each `start` awaited before the next. Rejects
 * with `StartFailedError` if one fails (those already started are stopped in reverse), or with
 * `TypeError` for an invalid spec.
 *
 * @example
 * const tree = await startTree({
 *   strategy: "one_for_one", intensity: 3, periodMs: 60_000,
 *   children: [
 *     worker("store", () => storeBehavior(open)),
 *     supervisor("whatsapp", () => ({ strategy: "rest_for_one", intensity: 5, periodMs: 60_000, children: [conn, sync] })),
 *   ],
 * }, { onEvent: (e) => log.info("tree", e) });
 * await tree.registry.ask("store", { type: "stats" });
 * tree.done.then(({ reason }) => { if (reason === "escalated") exit(1); });
 */
export async function startTree(spec: SupervisorSpec, opts: TreeOptions = {}): Promise<Tree> {
  const name = opts.name ?? "root";
  const registry = opts.registry ?? createRegistry();
  const { onEvent } = opts;
  const env: TreeEnv = {
    registry,
    clock: opts.clock ?? systemClock,
    mailbox: opts.mailbox ?? createMailbox,
    emit(event) {
      try {
        onEvent?.(event);
      } catch {
        // A listener's failure must not break supervision.
      }
    },
  };
  const root = await startSupervisor(name, spec, env, Infinity);
  const done = root.exited.then((reason) =>
    reason.kind === "crash" ? { reason: "escalated" as const, error: reason.error } : { reason: "shutdown" as const }
  );
  return {
    registry,
    async stop() {
      root.shutdown();
      await root.exited;
    },
    children(path = "") {
      let sup: SupervisorProcess = root;
      for (const id of path.split("/").filter(Boolean)) {
        const proc = sup.find(id)?.proc;
        if (!proc || !("list" in proc)) {
          throw new RangeError(`Cannot list the children of "${path}": "${id}" is not a running supervisor`);
        }
        sup = proc;
      }
      return sup.list();
    },
    done,
  };
}

interface TreeEnv extends ActorEnv {
  emit(event: TreeEvent): void;
}

interface SupervisorProcess extends Process {
  list(): ChildInfo[];
  find(id: string): ChildRecord | undefined;
}

type ChildProcess = Process | SupervisorProcess;

interface ChildRecord {
  readonly spec: ChildSpec;
  proc: ChildProcess | undefined;
  /** A restart attempt failed and another is queued. */
  restarting: boolean;
  restarts: number;
  startedOnce: boolean;
}

type SupervisorEvent =
  | { type: "exit"; proc: Process; reason: ExitReason }
  | { type: "retry"; id: string; error: unknown };

async function startSupervisor(
  name: string,
  spec: SupervisorSpec,
  env: TreeEnv,
  shutdownMs: number,
): Promise<SupervisorProcess> {
  checkSupervisorSpec(name, spec);
  const flags: RestartFlags = { strategy: spec.strategy, intensity: spec.intensity, periodMs: spec.periodMs };
  const children: ChildRecord[] = [];
  const live = new Set<ChildProcess>(); // started and not yet exited, including children being stopped
  let restarts: readonly number[] = [];
  let ctx!: ActorContext<SupervisorEvent>;

  const byId = (id: string) => children.find((c) => c.spec.id === id);
  const views = () => children.map((c) => ({ id: c.spec.id, restart: c.spec.restart, running: c.proc !== undefined }));

  // Starts one child and links its exit back to this supervisor's mailbox.
  const launch = async (record: ChildRecord) => {
    const { id, type, shutdownMs } = record.spec;
    let proc: ChildProcess;
    try {
      const made = record.spec.start();
      if (type === "worker" && typeof (made as Behavior)?.receive !== "function") {
        throw new TypeError(`Cannot start worker "${id}": its start() returned no Behavior (no receive function)`);
      }
      proc = type === "worker"
        ? await spawnActor(env, made as Behavior, { name: id, stopTimeoutMs: shutdownMs })
        : await startSupervisor(id, made as SupervisorSpec, env, shutdownMs);
    } catch (error) {
      env.emit({ type: "start_failed", id, error });
      throw error;
    }
    if (ctx.signal.aborted) return proc.kill(); // this supervisor was killed while the child started
    record.proc = proc;
    record.restarting = false;
    live.add(proc);
    void proc.exited.then((reason) => {
      live.delete(proc);
      if (record.proc === proc && !ctx.signal.aborted) ctx.self.tell({ type: "exit", proc, reason });
    });
    if (record.startedOnce) env.emit({ type: "restarted", id, count: ++record.restarts });
    else {
      record.startedOnce = true;
      env.emit({ type: "started", id });
    }
  };

  // Stops one child within its shutdownMs, then abandons it (OTP: shutdown, then kill).
  const stopChild = async (record: ChildRecord) => {
    const proc = record.proc;
    record.proc = undefined;
    record.restarting = false;
    if (!proc) return;
    const { id, shutdownMs } = record.spec;
    let timedOut = false;
    const timer = Number.isFinite(shutdownMs)
      ? env.clock.setTimeout(() => {
        timedOut = true;
        proc.kill();
      }, shutdownMs)
      : undefined;
    proc.shutdown();
    const reason = await proc.exited;
    if (timer !== undefined) env.clock.clearTimeout(timer);
    if (reason.kind === "crash") env.emit({ type: "crashed", id, error: reason.error }); // it died before we stopped it
    else if (timedOut) env.emit({ type: "stopped", id, error: new ShutdownTimeoutError(id, shutdownMs) });
    else env.emit({ type: "stopped", id });
  };

  const stopAll = async () => {
    for (const record of [...children].reverse()) await stopChild(record);
  };

  // A start that fails during a restart marks the child and queues another attempt, which counts
  // against the intensity like a crash (OTP: try_again_restart).
  const carryOut = async (plan: RestartPlan, cause: unknown) => {
    restarts = plan.restarts;
    if (plan.action === "escalate") {
      const error = new EscalationError(name, flags.intensity, flags.periodMs, cause);
      env.emit({ type: "escalated", id: name, error });
      ctx.fail(error); // stop("crash") stops the remaining children in reverse order
      return;
    }
    for (const sibling of plan.stop) await stopChild(byId(sibling)!);
    for (const gone of plan.remove) children.splice(children.indexOf(byId(gone)!), 1);
    for (const next of plan.start) {
      const record = byId(next)!;
      try {
        await launch(record);
      } catch (error) {
        record.restarting = true;
        ctx.self.tell({ type: "retry", id: next, error });
        return;
      }
    }
  };

  const behavior: Behavior<SupervisorEvent> = {
    async start(c) {
      ctx = c;
      // Abandoned: take the children along, as an Erlang link would.
      c.signal.addEventListener("abort", () => {
        for (const proc of live) proc.kill();
      });
      for (const childSpec of spec.children) {
        const record: ChildRecord = {
          spec: childSpec,
          proc: undefined,
          restarting: false,
          restarts: 0,
          startedOnce: false,
        };
        try {
          await launch(record);
        } catch (error) {
          await stopAll();
          throw new StartFailedError(childSpec.id, error);
        }
        children.push(record);
      }
    },
    async receive(event) {
      const now = env.clock.now();
      if (event.type === "retry") {
        if (byId(event.id)?.restarting) {
          await carryOut(planRestart(flags, views(), event.id, restarts, now), event.error);
        }
        return;
      }
      const record = children.find((c) => c.proc === event.proc);
      if (!record) return; // an incarnation already replaced or stopped
      record.proc = undefined;
      const { id } = record.spec;
      const { reason } = event;
      env.emit(reason.kind === "crash" ? { type: "crashed", id, error: reason.error } : { type: "stopped", id });
      const decision = decideExit(flags, views(), id, reason, restarts, now);
      if (decision.action === "remove") children.splice(children.indexOf(record), 1);
      else if (decision.action !== "keep") {
        await carryOut(decision, reason.kind === "crash" ? reason.error : `child "${id}" exited (${reason.kind})`);
      }
    },
    stop: () => stopAll(),
  };

  const actor = await spawnActor(env, behavior, { stopTimeoutMs: shutdownMs });
  return {
    exited: actor.exited,
    shutdown: actor.shutdown,
    kill: actor.kill,
    list: () =>
      children.map((c) => ({ id: c.spec.id, type: c.spec.type, running: c.proc !== undefined, restarts: c.restarts })),
    find: byId,
  };
}
