/**
 * The sync actor's logic, independent of the actor kernel: a batch of Baileys events (as
 * `sock.ev.process` delivered it) becomes a few store commits of at most `batchSize` ops.
 * LIDs are resolved to phone-number JIDs first (from the batch itself, a memory cache, and the
 * mapping Baileys keeps in the auth store), so rows land under canonical ids. A mapping error on
 * one item is logged without content and counted; it never drops the rest of the batch.
 */
import type { BaileysEventMap } from "@whiskeysockets/baileys";
import { createLogger, type Logger } from "../log.ts";
import type { MirrorQueries, MirrorWriter, SessionStore } from "../store/ports.ts";
import { readLidMappings } from "./auth_state.ts";
import { chunk, mapEvents } from "./mapping/events.ts";
import type { MapContext } from "../ids/canonical.ts";
import { collectLidPairs, collectLids } from "./mapping/lids.ts";
import { decryptVotes } from "./poll_votes.ts";
import { isStaleLeader } from "../cluster/errors.ts";
import type { HistoryProgressMsg } from "./protocol.ts";

import { SYNC } from "./names.ts";

/** Registry name of the sync actor. */
export { SYNC };

/** A batch of events forwarded by the connection actor, with who we are at that moment. */
export interface SyncEventsMsg {
  type: "events";
  events: Partial<BaileysEventMap>;
  me: { id: string; lid: string | null } | null;
}

/** Messages of the sync actor: event batches (tell) and a stats request (ask → SyncStats). */
export type SyncMsg = SyncEventsMsg | { type: "stats" };

/** What the sync actor's asks resolve to. */
export interface SyncReplies {
  stats: SyncStats;
}

/** Counters, for the status page and tests. */
export interface SyncStats {
  batches: number;
  items: number;
  ops: number;
  commits: number;
  mappingFailures: number;
  lastBatchAt: number | null;
  /** Kind and error name/message of the last failure (no content). */
  lastFailure: string | null;
}

/** Options of the sync actor. */
export interface SyncOptions {
  repo: MirrorWriter & Pick<SessionStore, "authGet"> & Pick<MirrorQueries, "getPolls">;
  /** Where Baileys' LID mapping lives (the session store); default `repo`. */
  authRepo?: Pick<SessionStore, "authGet">;
  /** Most ops per commit (default 1000). */
  batchSize?: number;
  /** Registry name of the connection actor, told about history progress (default "connection"). */
  connectionName?: string;
  log?: Logger;
  /** Most LID mappings kept in memory (default 100 000). */
  lidCacheSize?: number;
}

/** What the core needs from the kernel. */
export interface SyncPorts {
  now(): number;
  /** Fire-and-forget by registry name: history progress to the connection actor. */
  tell(name: string, msg: HistoryProgressMsg): void;
}

/** The sync logic. */
export class SyncCore {
  readonly log: Logger;
  readonly #lidToPn = new Map<string, string>();
  #stats: SyncStats = { batches: 0, items: 0, ops: 0, commits: 0, mappingFailures: 0, lastBatchAt: null, lastFailure: null };

  constructor(readonly opts: SyncOptions, readonly ports: SyncPorts) {
    this.log = opts.log ?? createLogger("sync");
  }

  /** Counters so far. */
  stats(): SyncStats {
    return { ...this.#stats };
  }

  /** Handles one message. A failed commit throws (the actor crashes and is restarted). */
  async handle(msg: SyncMsg): Promise<unknown> {
    if (msg.type === "stats") return this.stats();
    await this.ingest(msg);
    return undefined;
  }

  /** Maps and commits one batch. */
  async ingest(msg: SyncEventsMsg): Promise<void> {
    const base = await this.#context(msg);
    const { votes, failed } = await decryptVotes(msg.events, base, async (chat, id) => (await this.opts.repo.getPolls([{ chatJid: chat, id }]))[0] ?? null);
    // A vote on a poll we never stored (or whose secret we lack) cannot be read: said, not guessed.
    if (failed) this.log.info("poll votes that could not be decrypted", { votes: failed });
    const ctx = { ...base, votes };
    const mapped = mapEvents(msg.events, ctx);
    const s = this.#stats;
    s.batches++;
    s.items += mapped.items;
    s.lastBatchAt = this.ports.now();
    if (mapped.failures.length) {
      s.mappingFailures += mapped.failures.length;
      const last = mapped.failures[mapped.failures.length - 1];
      s.lastFailure = `${last.kind}: ${last.error}`;
      const byKind: Record<string, number> = {};
      for (const f of mapped.failures) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
      this.log.warn("some WhatsApp events could not be mapped", { failures: mapped.failures.length, byKind, last: s.lastFailure });
    }
    for (const part of chunk(mapped.ops, this.opts.batchSize ?? 1000)) {
      try {
        await this.opts.repo.commit(part);
      } catch (err) {
        // A cluster member that lost the lease: the new leader's socket gets this data from WhatsApp.
        if (!isStaleLeader(err)) throw err;
        this.log.warn("batch not stored: this instance no longer holds the WhatsApp lease", { ops: part.length });
        return;
      }
      s.commits++;
      s.ops += part.length;
    }
    for (const h of mapped.history) {
      const report: HistoryProgressMsg = {
        type: "historyProgress",
        syncType: h.syncType,
        progress: h.progress,
        messages: h.messages,
        chats: h.chats,
      };
      this.ports.tell(this.opts.connectionName ?? "connection", report);
      this.log.info("history chunk stored", { syncType: h.syncType, progress: h.progress, messages: h.messages, chats: h.chats });
    }
  }

  async #context(msg: SyncEventsMsg): Promise<MapContext> {
    for (const p of collectLidPairs(msg.events)) this.#remember(p.lid, p.pnJid);
    const me = msg.me;
    if (me?.lid) this.#remember(me.lid, me.id);
    const unknown = collectLids(msg.events).filter((l) => !this.#lidToPn.has(l));
    if (unknown.length) {
      try {
        const found = await readLidMappings(this.opts.authRepo ?? this.opts.repo, unknown);
        for (const [lid, pn] of found) this.#remember(lid, pn);
      } catch (err) {
        // Without the lookup the rows keep their LID; the store links them when the mapping arrives.
        this.log.warn("LID mapping lookup failed", { error: err });
      }
    }
    return { meId: me?.id ?? null, meLid: me?.lid ?? null, lidToPn: this.#lidToPn };
  }

  #remember(lid: string, pnJid: string): void {
    const map = this.#lidToPn;
    map.delete(lid);
    map.set(lid, pnJid);
    if (map.size > (this.opts.lidCacheSize ?? 100_000)) map.delete(map.keys().next().value as string);
  }
}
