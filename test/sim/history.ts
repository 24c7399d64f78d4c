/**
 * History sync payloads as the primary phone sends them: a `proto.HistorySync` deflated into
 * `HistorySyncNotification.initialHistBootstrapInlinePayload` (no media server needed), wrapped
 * in a protocolMessage. Pure builders.
 */
import { deflateSync } from "node:zlib";
import { proto } from "@whiskeysockets/baileys";

/** History sync kinds the simulator can send. */
export type HistorySyncKind = "INITIAL_BOOTSTRAP" | "RECENT" | "FULL" | "PUSH_NAME" | "ON_DEMAND";

/** A history message in a simple form (or pass a full `proto.IWebMessageInfo` with a `key`). */
export interface SimpleHistoryMessage {
  id?: string;
  /** True when the account itself sent it. */
  fromMe: boolean;
  text: string;
  /** Unix seconds. */
  timestamp: number;
  /** Group messages: the sender JID. */
  participant?: string;
  pushName?: string;
}

/** One chat in a history chunk. */
export interface HistoryConversation {
  /** Chat JID (user PN/LID JID or group JID). */
  id: string;
  name?: string;
  unreadCount?: number;
  /** The other JID form of a 1:1 chat (LID for a PN chat id, or PN for a LID one). */
  altJid?: string;
  messages: Array<SimpleHistoryMessage | proto.IWebMessageInfo>;
}

/** What to push: conversations and push names of one history sync. */
export interface HistorySpec {
  kind?: HistorySyncKind;
  conversations?: HistoryConversation[];
  pushNames?: Array<{ id: string; name: string }>;
  /** Sync progress 0-100 (RECENT uses 100 to mark completion). */
  progress?: number;
}

const isFull = (m: SimpleHistoryMessage | proto.IWebMessageInfo): m is proto.IWebMessageInfo => "key" in m;

let seq = 0;
const histId = () => `HIST${Date.now().toString(16).toUpperCase()}${(seq++).toString(16).toUpperCase().padStart(4, "0")}`;

/** Converts a spec (one chunk) to `proto.IHistorySync`. */
export function buildHistorySync(spec: HistorySpec, chunkOrder = 1): proto.IHistorySync {
  const kind = spec.kind ?? "INITIAL_BOOTSTRAP";
  return {
    syncType: proto.HistorySync.HistorySyncType[kind],
    chunkOrder,
    progress: spec.progress ?? 100,
    conversations: (spec.conversations ?? []).map((c) => {
      const isLid = c.id.endsWith("@lid");
      const msgs = c.messages.map((m) =>
        isFull(m)
          ? m
          : {
              key: { remoteJid: c.id, fromMe: m.fromMe, id: m.id ?? histId(), participant: m.participant },
              message: { conversation: m.text },
              messageTimestamp: m.timestamp,
              pushName: m.pushName,
              status: m.fromMe ? proto.WebMessageInfo.Status.READ : undefined,
            },
      );
      const last = msgs.reduce((t, m) => Math.max(t, Number(m.messageTimestamp ?? 0)), 0);
      return {
        id: c.id,
        name: c.name,
        unreadCount: c.unreadCount,
        conversationTimestamp: last || undefined,
        pnJid: isLid ? c.altJid : undefined,
        lidJid: !isLid && c.altJid ? c.altJid : undefined,
        // Newest first, as the phone sends them.
        messages: [...msgs].sort((a, b) => Number(b.messageTimestamp ?? 0) - Number(a.messageTimestamp ?? 0)).map((message) => ({ message })),
      };
    }),
    pushnames: (spec.pushNames ?? []).map((p) => ({ id: p.id, pushname: p.name })),
  };
}

/** Splits a spec into `n` chunks of conversations (for multi-chunk syncs and mid-sync faults). */
export function splitHistory(spec: HistorySpec, n: number): HistorySpec[] {
  const convs = spec.conversations ?? [];
  const parts = Math.max(1, Math.min(n, Math.max(convs.length, 1)));
  const out: HistorySpec[] = [];
  for (let i = 0; i < parts; i++) {
    out.push({
      kind: spec.kind,
      conversations: convs.filter((_, j) => j % parts === i),
      pushNames: i === 0 ? spec.pushNames : [],
      progress: Math.round(((i + 1) / parts) * (spec.progress ?? 100)),
    });
  }
  return out;
}

/** The protocolMessage the phone sends to a companion for one history chunk (inline payload). */
export function historyNotificationMessage(history: proto.IHistorySync): proto.IMessage {
  const payload = deflateSync(proto.HistorySync.encode(history).finish());
  return {
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
      historySyncNotification: {
        syncType: history.syncType as unknown as proto.Message.HistorySyncType,
        chunkOrder: history.chunkOrder,
        progress: history.progress,
        initialHistBootstrapInlinePayload: payload,
      },
    },
  };
}
