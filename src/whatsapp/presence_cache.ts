/**
 * The latest presence WhatsApp told us per person (`presence.update` events), and a way to wait
 * for the next one after a subscription. Bounded; in memory only (presence is momentary).
 */
import type { BaileysEventMap } from "@whiskeysockets/baileys";
import { jidOf } from "../ids/jid.ts";
import type { PresenceReply } from "./protocol.ts";

type Entry = Omit<PresenceReply, "known">;

/** Presence by person JID (normalized, no device). */
export class PresenceCache {
  #map = new Map<string, Entry>();
  #waiters = new Set<{ jids: ReadonlySet<string>; resolve: () => void }>();
  constructor(readonly max = 5000, readonly now: () => number = Date.now) {}

  /** The latest presence of any of `jids`, if any was heard. */
  get(jids: readonly string[]): Entry | undefined {
    let best: Entry | undefined;
    for (const j of jids) {
      const e = this.#map.get(j);
      if (e && (!best || (e.at ?? 0) > (best.at ?? 0))) best = e;
    }
    return best;
  }

  /** Applies the presence events of one batch. */
  observe(events: Partial<BaileysEventMap>): void {
    const u = events["presence.update"];
    if (!u?.presences) return;
    for (const [who, p] of Object.entries(u.presences)) {
      const jid = jidOf(who);
      if (!jid) continue;
      const prev = this.#map.get(jid);
      this.#map.delete(jid);
      this.#map.set(jid, {
        presence: p.lastKnownPresence ?? null,
        // A typing indicator says nothing about last seen: keep the one heard before.
        lastSeen: p.lastSeen ? p.lastSeen * 1000 : prev?.lastSeen ?? null,
        at: this.now(),
      });
      if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as string);
      for (const w of this.#waiters) if (w.jids.has(jid)) w.resolve();
    }
  }

  /** Resolves true once an update for one of `jids` arrives, false after `ms`. */
  waitFor(jids: readonly string[], ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const w = {
        jids: new Set(jids),
        resolve: () => {
          clearTimeout(t);
          this.#waiters.delete(w);
          resolve(true);
        },
      };
      const t = setTimeout(() => {
        this.#waiters.delete(w);
        resolve(false);
      }, ms);
      this.#waiters.add(w);
    });
  }
}
