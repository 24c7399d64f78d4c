/**
 * A whole Baileys event map (what `sock.ev.process` delivers: several event kinds at once,
 * already merged by Baileys' buffer) to one ordered list of writes. Pure: the LID knowledge it
 * needs is in the context. A failing item is counted and reported; the rest of the batch goes on.
 */
import type { BaileysEventMap } from "@whiskeysockets/baileys";
import type { WriteOp } from "../../store/types.ts";
import { mapChat, mapChatDelete, mapChatUpdate } from "./chats.ts";
import { mapContact, mapLidMapping } from "./contacts.ts";
import { mapGroupMetadata, mapGroupUpdate, mapParticipantsUpdate } from "./groups.ts";
import { type HistoryChunkStats, type ItemMapper, mapHistorySet } from "./history.ts";
import type { MapContext } from "../../ids/canonical.ts";
import { mapMessage } from "./messages.ts";
import { mapMessagesDelete, mapMessageUpdate, mapReaction, mapReceipt } from "./updates.ts";

/** One item that could not be mapped: which kind, and the error's name and message (no content). */
export interface MappingFailure {
  kind: string;
  error: string;
}

/** The writes of a batch, the failures, and the history chunks it contained. */
export interface MappedBatch {
  ops: WriteOp[];
  failures: MappingFailure[];
  history: HistoryChunkStats[];
  /** Number of event items seen (messages, chats, contacts...). */
  items: number;
}

/** The event kinds the sync actor consumes (the connection forwards only these). */
export const SYNC_EVENTS = [
  "messaging-history.set",
  "messaging-history.status",
  "lid-mapping.update",
  "contacts.upsert",
  "contacts.update",
  "chats.upsert",
  "chats.update",
  "chats.delete",
  "groups.upsert",
  "groups.update",
  "group-participants.update",
  "messages.upsert",
  "messages.update",
  "messages.delete",
  "messages.reaction",
  "message-receipt.update",
] as const satisfies ReadonlyArray<keyof BaileysEventMap>;

/** Maps a batch. Order: mappings and people, chats, groups, messages, then changes and deletions. */
export function mapEvents(events: Partial<BaileysEventMap>, ctx: MapContext): MappedBatch {
  const failures: MappingFailure[] = [];
  let items = 0;
  const each: ItemMapper = (kind, list, map) => {
    const out: WriteOp[] = [];
    for (const item of list) {
      items++;
      try {
        out.push(...map(item));
      } catch (err) {
        failures.push({ kind, error: describe(err) });
      }
    }
    return out;
  };
  const one = <T>(kind: string, item: T | undefined, map: (i: T) => WriteOp[]) => item === undefined ? [] : each(kind, [item], map);

  const ops: WriteOp[] = [];
  const history: HistoryChunkStats[] = [];
  ops.push(...one("lid-mapping.update", events["lid-mapping.update"], mapLidMapping));
  const h = events["messaging-history.set"];
  if (h) {
    const r = mapHistorySet(h, ctx, each);
    ops.push(...r.ops);
    history.push(r.stats);
  }
  ops.push(...each("contacts.upsert", events["contacts.upsert"] ?? [], (c) => mapContact(c, ctx)));
  ops.push(...each("contacts.update", events["contacts.update"] ?? [], (c) => mapContact(c, ctx)));
  ops.push(...each("chats.upsert", events["chats.upsert"] ?? [], (c) => mapChat(c, ctx)));
  ops.push(...each("chats.update", events["chats.update"] ?? [], (c) => mapChatUpdate(c, ctx)));
  ops.push(...each("groups.upsert", events["groups.upsert"] ?? [], (g) => mapGroupMetadata(g, ctx)));
  ops.push(...each("groups.update", events["groups.update"] ?? [], (g) => mapGroupUpdate(g, ctx)));
  ops.push(...one("group-participants.update", events["group-participants.update"], (e) => mapParticipantsUpdate(e, ctx)));
  const up = events["messages.upsert"];
  if (up) {
    const source = up.type === "notify" ? "notify" : "append";
    ops.push(...each("messages.upsert", up.messages ?? [], (m) => mapMessage(m, ctx, source)));
  }
  ops.push(...each("messages.update", events["messages.update"] ?? [], (u) => mapMessageUpdate(u, ctx)));
  ops.push(...each("messages.reaction", events["messages.reaction"] ?? [], (r) => mapReaction(r, ctx)));
  ops.push(...each("message-receipt.update", events["message-receipt.update"] ?? [], (r) => mapReceipt(r, ctx)));
  ops.push(...one("messages.delete", events["messages.delete"], (e) => mapMessagesDelete(e, ctx)));
  ops.push(...each("chats.delete", events["chats.delete"] ?? [], (id) => mapChatDelete(id, ctx)));
  return { ops: dedupe(ops), failures, history, items };
}

const IDEMPOTENT = new Set<WriteOp["op"]>(["linkLid", "upsertChat", "upsertPerson"]);

/**
 * Drops repeats of identical idempotent ops (every message of a history chunk names its chat and
 * sender again), keeping the first so that order-dependent ops still follow what they need.
 */
export function dedupe(ops: WriteOp[]): WriteOp[] {
  const seen = new Set<string>();
  return ops.filter((op) => {
    if (!IDEMPOTENT.has(op.op)) return true;
    const key = JSON.stringify(op);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Splits writes into commits of at most `size` ops, keeping their order. */
export function chunk<T>(ops: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < ops.length; i += size) out.push(ops.slice(i, i + size));
  return out;
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return typeof err;
}
