/**
 * The WhatsApp session at rest, optionally encrypted (WHATSAPP_SESSION_KEY), for any backend:
 * `sessionEncryption(repo, key)` returns the same Repository with `authGet`/`authList` answering
 * plain text and `commit` encrypting `setAuth` values (session_crypto.ts). Everything else passes
 * through unchanged.
 *
 * On first use it settles the session's state, once:
 * - a key and an encrypted session: the key must open the check entry, else SessionKeyError
 *   (nothing is written: a wrong key never overwrites the session);
 * - a key and a plain session (the key was just set): every entry is re-encrypted, with the check
 *   entry, in ONE commit (all or nothing, on sql.js and PostgreSQL alike);
 * - no key and an encrypted session: SessionKeyError (the session is left as it is);
 * - no key and a plain session: nothing to do.
 * A failure is kept: every later session access fails the same way until restarted with the
 * right key.
 */
import { createSessionCipher, isEncrypted, parseSessionKey } from "./session_crypto.ts";
import type { SessionCipher } from "./session_crypto.ts";
import type { AuthEntry, Repository, WriteOp } from "./types.ts";

/** Where the check entry lives: an encrypted known text that proves the key. */
export const KEY_CHECK = { category: "session-key-check", id: "v1" } as const;
const CHECK_TEXT = "whatsapp-mcp session key check";

/** The configured session key cannot open the stored session (or there is none for an encrypted one). */
export class SessionKeyError extends Error {
  override name = "SessionKeyError";
}

/** Wraps `repo`; `key` is the WHATSAPP_SESSION_KEY value, or null when none is set. */
export function sessionEncryption(repo: Repository, key: string | null): Repository {
  let ready: Promise<SessionCipher | null> | null = null;
  const settle = () => (ready ??= settleSession(repo, key));

  const decryptAll = async (cipher: SessionCipher | null, category: string, found: Record<string, string>) => {
    if (!cipher) return found;
    const out: Record<string, string> = {};
    for (const [id, stored] of Object.entries(found)) out[id] = await openEntry(cipher, stored, category, id);
    return out;
  };

  const overrides: Partial<Repository> = {
    async authGet(category, ids) {
      const cipher = await settle();
      return await decryptAll(cipher, category, await repo.authGet(category, ids));
    },
    async authList() {
      const cipher = await settle();
      const out: AuthEntry[] = [];
      for (const e of await repo.authList()) {
        if (e.category === KEY_CHECK.category) continue;
        out.push(cipher ? { ...e, value: await openEntry(cipher, e.value, e.category, e.id) } : e);
      }
      return out;
    },
    async commit(ops) {
      if (!ops.some((op) => op.op === "setAuth" || op.op === "clearAuth")) return await repo.commit(ops);
      const cipher = await settle();
      if (!cipher) return await repo.commit(ops);
      const sealed: WriteOp[] = [];
      for (const op of ops) {
        if (op.op === "setAuth" && op.value !== null) {
          sealed.push({ ...op, value: await cipher.encrypt(op.value, op.category, op.id) });
        } else sealed.push(op);
        // A cleared session (after a logout) stays marked as encrypted with this key.
        if (op.op === "clearAuth") sealed.push(await checkOp(cipher));
      }
      return await repo.commit(sealed);
    },
  };

  return new Proxy(repo, {
    get(target, prop, receiver) {
      if (typeof prop === "string" && prop in overrides) return overrides[prop as keyof Repository];
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

async function checkOp(cipher: SessionCipher): Promise<WriteOp> {
  return { op: "setAuth", ...KEY_CHECK, value: await cipher.encrypt(CHECK_TEXT, KEY_CHECK.category, KEY_CHECK.id) };
}

async function openEntry(cipher: SessionCipher, stored: string, category: string, id: string): Promise<string> {
  if (!isEncrypted(stored)) {
    throw new SessionKeyError(`The stored WhatsApp session has an unencrypted entry (${category}) although it is marked as encrypted; it was left unchanged.`);
  }
  try {
    return await cipher.decrypt(stored, category, id);
  } catch {
    throw new SessionKeyError(`A stored WhatsApp session entry (${category}) does not decrypt with WHATSAPP_SESSION_KEY (altered, or written with another key); it was left unchanged.`);
  }
}

/** Checks the key against the store and migrates a plain session; see the module comment. */
async function settleSession(repo: Repository, key: string | null): Promise<SessionCipher | null> {
  const check = (await repo.authGet(KEY_CHECK.category, [KEY_CHECK.id]))[KEY_CHECK.id] ?? null;
  if (key === null) {
    if (check !== null) {
      throw new SessionKeyError(
        "The stored WhatsApp session is encrypted, but WHATSAPP_SESSION_KEY is not set. Start with the key it was encrypted with " +
          "(the session was left unchanged).",
      );
    }
    return null;
  }
  const cipher = await createSessionCipher(parseSessionKey(key));
  if (check !== null) {
    const ok = await cipher.decrypt(check, KEY_CHECK.category, KEY_CHECK.id).then((t) => t === CHECK_TEXT, () => false);
    if (!ok) {
      throw new SessionKeyError(
        "WHATSAPP_SESSION_KEY does not open the stored WhatsApp session: it was encrypted with another key. Start with that key " +
          "(the session was left unchanged; nothing was overwritten).",
      );
    }
    return cipher;
  }
  // The key is new: encrypt the existing (plain) session, all of it in one commit.
  const entries = await repo.authList();
  const ops: WriteOp[] = [];
  for (const e of entries) {
    if (isEncrypted(e.value)) {
      throw new SessionKeyError(
        "The stored WhatsApp session has encrypted entries but no key check; it was left unchanged. Restore it from a backup or link again.",
      );
    }
    ops.push({ op: "setAuth", category: e.category, id: e.id, value: await cipher.encrypt(e.value, e.category, e.id) });
  }
  ops.push(await checkOp(cipher));
  await repo.commit(ops);
  return cipher;
}
