/**
 * Browser sessions for the status and QR pages when authentication is configured: the login
 * form exchanges a token for a random session id kept in memory (so logout revokes it, and a
 * restart logs everyone out). The cookie holds only the id.
 */
import { randomId } from "../crypto.ts";
import type { AuthKind } from "./types.ts";

/** A live session. */
export interface Session {
  id: string;
  /** How the login was proven ("static" token or "oauth" JWT). */
  via: Exclude<AuthKind, "session">;
  subject: string | null;
  expiresAt: number;
}

/** Longest a browser session lives (shorter when the JWT it came from expires sooner). */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Most sessions kept at once; the one expiring soonest is dropped to make room. */
export const MAX_SESSIONS = 64;

/** In-memory sessions; `now` is injected. */
export interface SessionStore {
  create(via: Session["via"], subject: string | null, notAfter: number | null): Session;
  get(id: string | undefined): Session | null;
  delete(id: string | undefined): void;
  size(): number;
}

/** Creates an empty store. */
export function createSessionStore(now: () => number): SessionStore {
  const sessions = new Map<string, Session>();
  const prune = () => {
    const t = now();
    for (const [id, s] of sessions) if (s.expiresAt <= t) sessions.delete(id);
    while (sessions.size >= MAX_SESSIONS) {
      let soonest: Session | null = null;
      for (const s of sessions.values()) if (!soonest || s.expiresAt < soonest.expiresAt) soonest = s;
      sessions.delete(soonest!.id);
    }
  };
  return {
    create(via, subject, notAfter) {
      prune();
      const t = now();
      const expiresAt = Math.min(t + SESSION_TTL_MS, notAfter ?? Infinity);
      const s: Session = { id: randomId(32), via, subject, expiresAt };
      sessions.set(s.id, s);
      return s;
    },
    get(id) {
      if (!id) return null;
      const s = sessions.get(id);
      if (!s) return null;
      if (s.expiresAt <= now()) {
        sessions.delete(id);
        return null;
      }
      return s;
    },
    delete(id) {
      if (id) sessions.delete(id);
    },
    size: () => sessions.size,
  };
}
