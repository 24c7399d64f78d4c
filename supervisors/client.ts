/**
 * A typed handle on a named actor: `tell` takes only the actor's messages, and `ask` resolves to
 * the reply its message type maps to in the actor's reply map. Each actor declares its messages,
 * its reply map, its registry name and its ask timeouts next to its client; callers then never
 * cast a reply or spell a name.
 *
 * @example
 * type MediaMsg = { type: "probe"; bytes: Uint8Array } | { type: "flush" };
 * interface MediaReplies { probe: { seconds: number } }
 * const media = actorClient<MediaMsg, MediaReplies>(registry, "ffmpeg", () => 60_000);
 * const { seconds } = await media.ask({ type: "probe", bytes });
 * media.tell({ type: "flush" });
 */
import type { Registry } from "./types.ts";

/** The messages of `Msg` that have a reply in `Replies` (the ones that may be asked). */
export type AskableMsg<Msg extends { type: string }, Replies> = Extract<Msg, { type: keyof Replies }>;

/** Typed `tell` and `ask` to one registered actor. */
export interface ActorClient<Msg extends { type: string }, Replies = Record<never, never>> {
  /** Fire-and-forget (dropped and counted as a dead letter if the actor is not registered). */
  tell(msg: Msg): void;
  /** Request/reply; the reply type follows the message type. */
  ask<M extends AskableMsg<Msg, Replies>>(msg: M): Promise<Replies[M["type"] & keyof Replies]>;
}

/**
 * Builds the client of the actor registered as `name`. Each ask's timeout comes from
 * `timeoutMs(msg)` (absent: the kernel's default ask timeout).
 */
export function actorClient<Msg extends { type: string }, Replies = Record<never, never>>(
  registry: Registry,
  name: string,
  timeoutMs?: (msg: AskableMsg<Msg, Replies>) => number,
): ActorClient<Msg, Replies> {
  return {
    tell: (msg) => registry.tell(name, msg),
    // The actor answers each message with its reply-map entry, so the reply has that type.
    ask: (msg) => registry.ask(name, msg, timeoutMs ? { timeoutMs: timeoutMs(msg) } : {}),
  };
}
