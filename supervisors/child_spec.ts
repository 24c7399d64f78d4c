/** Child specifications and supervisor flags (OTP's `child_spec()` and `sup_flags()`), with their checks. */
import type { Behavior } from "./types.ts";

/** Restarted always, only after a crash, or never. */
export type RestartType = "permanent" | "transient" | "temporary";

/** Which siblings a restart takes along. */
export type Strategy = "one_for_one" | "one_for_all" | "rest_for_one";

/** A supervisor: its strategy, restart intensity, and children (started in order, stopped in reverse). */
export interface SupervisorSpec {
  strategy: Strategy;
  /** More than `intensity` restarts within `periodMs` and the supervisor gives up (escalates). */
  intensity: number;
  periodMs: number;
  children: ChildSpec[];
}

/** How a supervisor starts, restarts and stops one child. Build them with `worker` and `supervisor`. */
export interface ChildSpec {
  /** Unique in the tree; also the registry name of a worker. */
  id: string;
  type: "worker" | "supervisor";
  /** Called at every (re)start: a worker returns a fresh Behavior, a supervisor its SupervisorSpec. */
  // deno-lint-ignore no-explicit-any
  start: () => Behavior<any> | SupervisorSpec;
  restart: RestartType;
  /** Time the child gets to stop before it is abandoned: worker default 5000, supervisor default Infinity. */
  shutdownMs: number;
}

/** Options of `worker` and `supervisor`. */
export interface ChildOptions {
  restart?: RestartType;
  shutdownMs?: number;
}

/**
 * A worker child: `start` builds its behaviour; it is registered under `id`.
 *
 * @example
 * worker("store", () => storeBehavior(openRepository), { shutdownMs: 30_000 })
 */
// deno-lint-ignore no-explicit-any
export function worker(id: string, start: () => Behavior<any>, opts: ChildOptions = {}): ChildSpec {
  return { id, type: "worker", start, restart: opts.restart ?? "permanent", shutdownMs: opts.shutdownMs ?? 5000 };
}

/**
 * A supervisor child: `start` returns its spec (called again at each restart).
 *
 * @example
 * supervisor("whatsapp", () => ({ strategy: "rest_for_one", intensity: 3, periodMs: 60_000, children: [conn, sync] }))
 */
export function supervisor(id: string, start: () => SupervisorSpec, opts: ChildOptions = {}): ChildSpec {
  return {
    id,
    type: "supervisor",
    start,
    restart: opts.restart ?? "permanent",
    shutdownMs: opts.shutdownMs ?? Infinity,
  };
}

/** Checks a supervisor spec and its child specs; throws `TypeError` saying what is wrong. */
export function checkSupervisorSpec(name: string, spec: SupervisorSpec): void {
  const bad = (what: string): never => {
    throw new TypeError(`Cannot start supervisor "${name}": ${what}`);
  };
  if (!["one_for_one", "one_for_all", "rest_for_one"].includes(spec?.strategy)) {
    bad(`strategy must be "one_for_one", "one_for_all" or "rest_for_one", got ${JSON.stringify(spec?.strategy)}`);
  }
  if (!Number.isInteger(spec.intensity) || spec.intensity < 0) {
    bad(`intensity must be a whole number >= 0, got ${spec.intensity}`);
  }
  if (!(spec.periodMs > 0)) bad(`periodMs must be > 0, got ${spec.periodMs}`);
  if (!Array.isArray(spec.children)) bad("children must be an array");
  const seen = new Set<string>();
  for (const child of spec.children) {
    const id = child?.id;
    if (typeof id !== "string" || id === "" || id.includes("/")) {
      bad(`child id must be a non-empty string without "/", got ${JSON.stringify(id)}`);
    }
    if (seen.has(id)) bad(`child id "${id}" appears twice`);
    seen.add(id);
    if (child.type !== "worker" && child.type !== "supervisor") {
      bad(`child "${id}": type must be "worker" or "supervisor", got ${JSON.stringify(child.type)}`);
    }
    if (typeof child.start !== "function") bad(`child "${id}": start must be a function`);
    if (!["permanent", "transient", "temporary"].includes(child.restart)) {
      bad(
        `child "${id}": restart must be "permanent", "transient" or "temporary", got ${JSON.stringify(child.restart)}`,
      );
    }
    if (!(child.shutdownMs >= 0)) bad(`child "${id}": shutdownMs must be >= 0 (or Infinity), got ${child.shutdownMs}`);
  }
}
