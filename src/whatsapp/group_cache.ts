/**
 * Group metadata for Baileys' `cachedGroupMetadata` (it needs the participant list for every
 * group send; without a cache each send costs a query). Filled by `groupMetadata` calls and
 * `groups.upsert`; a participants change or a group update drops the entry so the next send
 * fetches it afresh.
 */
import type { BaileysEventMap, GroupMetadata } from "@whiskeysockets/baileys";

/** A bounded map of group JID to metadata. */
export class GroupCache {
  #map = new Map<string, GroupMetadata>();
  constructor(readonly max = 2000) {}

  /** The cached metadata, if any. */
  get(jid: string): GroupMetadata | undefined {
    return this.#map.get(jid);
  }

  /** Stores fresh metadata. */
  set(meta: GroupMetadata): void {
    this.#map.delete(meta.id);
    this.#map.set(meta.id, meta);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as string);
  }

  /** Applies the group events of one batch. */
  observe(events: Partial<BaileysEventMap>): void {
    for (const g of events["groups.upsert"] ?? []) if (g.id && Array.isArray(g.participants)) this.set(g);
    for (const g of events["groups.update"] ?? []) if (g.id) this.#map.delete(g.id);
    const p = events["group-participants.update"];
    if (p?.id) this.#map.delete(p.id);
  }

  /** Forgets everything (after a logout). */
  clear(): void {
    this.#map.clear();
  }
}
