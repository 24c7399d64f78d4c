/** Shared pieces of the kernel tests: a tree on a manual clock that records its events, and a probe worker. */
import {
  type ActorContext,
  type Behavior,
  type ChildOptions,
  type ChildSpec,
  createManualClock,
  type ManualClock,
  ReplyError,
  startTree,
  type StopReason,
  type SupervisorSpec,
  type Tree,
  type TreeEvent,
  worker,
} from "../../supervisors/mod.ts";

/** Lets every pending promise chain run. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** What a probe understands. */
export type ProbeMessage =
  | { type: "ping" }
  | { type: "crash" }
  | { type: "exit" }
  | { type: "bad" }
  | { type: "wait"; until: Promise<void> }
  | { type: "note"; text: string };

/** Knobs for a probe. */
export interface ProbeOptions {
  failStart?: () => boolean;
  onStop?: (reason: StopReason) => void | Promise<void>;
  onStart?: (ctx: ActorContext<ProbeMessage>) => void;
}

/**
 * A worker that writes `start:<id>` and `stop:<id>:<reason>` to `journal`, answers `ping` with
 * `<id>#<incarnation>`, crashes, exits, or throws a ReplyError on request.
 */
export function probe(journal: string[], id: string, opts: ProbeOptions = {}): () => Behavior<ProbeMessage> {
  let incarnations = 0;
  return () => {
    let n = 0;
    return {
      start(ctx) {
        if (opts.failStart?.()) throw new Error(`${id} cannot start`);
        n = ++incarnations;
        journal.push(`start:${id}`);
        opts.onStart?.(ctx);
      },
      async receive(msg, ctx) {
        switch (msg.type) {
          case "ping":
            return `${id}#${n}`;
          case "crash":
            throw new Error(`${id} crashed`);
          case "exit":
            return ctx.exit();
          case "bad":
            throw new ReplyError(`${id} refuses`);
          case "wait":
            await msg.until;
            return "waited";
          case "note":
            journal.push(msg.text);
            return msg.text;
        }
      },
      async stop(reason) {
        await opts.onStop?.(reason);
        journal.push(`stop:${id}:${reason}`);
      },
    };
  };
}

/** A probe worker child. */
export function probeChild(journal: string[], id: string, opts: ProbeOptions & ChildOptions = {}): ChildSpec {
  return worker(id, probe(journal, id, opts), opts);
}

/** A tree (one_for_one, intensity 3 in 5 s unless overridden) on a manual clock, with its events as `type:id` strings. */
export async function testTree(
  children: ChildSpec[],
  flags: Partial<SupervisorSpec> = {},
): Promise<{ tree: Tree; clock: ManualClock; events: TreeEvent[]; seen: () => string[] }> {
  const clock = createManualClock(1_000_000);
  const events: TreeEvent[] = [];
  const tree = await startTree(
    { strategy: "one_for_one", intensity: 3, periodMs: 5000, children, ...flags },
    { clock, onEvent: (e) => events.push(e) },
  );
  return { tree, clock, events, seen: () => events.map((e) => `${e.type}:${e.id}`) };
}

/** A promise with its resolver, for holding a message or a hook until the test says so. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
