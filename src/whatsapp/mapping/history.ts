/**
 * A history sync chunk (`messaging-history.set`, every sync type incl. ON_DEMAND) to writes:
 * LID mappings first, then contacts, chats and messages, so rows land under canonical ids.
 */
import type { BaileysEventMap } from "@whiskeysockets/baileys";
import { proto } from "@whiskeysockets/baileys";
import type { WriteOp } from "../../store/types.ts";
import { mapChat } from "./chats.ts";
import { mapContact, mapLidMapping } from "./contacts.ts";
import type { MapContext } from "../../ids/canonical.ts";
import { mapMessage } from "./messages.ts";

/** What a history chunk contained, for the link status. */
export interface HistoryChunkStats {
  syncType: string;
  progress: number | null;
  messages: number;
  chats: number;
  contacts: number;
  isLatest: boolean | null;
}

/** Per-item mapping with error isolation: `onError` gets the item kind and the error. */
export type ItemMapper = <T>(kind: string, items: readonly T[], map: (item: T) => WriteOp[]) => WriteOp[];

/** Maps one chunk; each item goes through `each`, which isolates per-item failures. */
export function mapHistorySet(
  h: BaileysEventMap["messaging-history.set"],
  ctx: MapContext,
  each: ItemMapper,
): { ops: WriteOp[]; stats: HistoryChunkStats } {
  const ops: WriteOp[] = [
    ...each("history.lidPnMapping", h.lidPnMappings ?? [], mapLidMapping),
    ...each("history.contact", h.contacts ?? [], (c) => mapContact(c, ctx)),
    ...each("history.chat", h.chats ?? [], (c) => mapChat(c, ctx)),
    ...each("history.message", h.messages ?? [], (m) => mapMessage(m, ctx, "history")),
  ];
  return {
    ops,
    stats: {
      syncType: syncTypeName(h.syncType),
      progress: typeof h.progress === "number" ? h.progress : null,
      messages: h.messages?.length ?? 0,
      chats: h.chats?.length ?? 0,
      contacts: h.contacts?.length ?? 0,
      isLatest: typeof h.isLatest === "boolean" ? h.isLatest : null,
    },
  };
}

/** The enum name of a history sync type (`FULL`, `ON_DEMAND`...), or `UNKNOWN`. */
export function syncTypeName(t: number | null | undefined): string {
  return (t != null && proto.HistorySync.HistorySyncType[t]) || "UNKNOWN";
}
