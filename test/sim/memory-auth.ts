/**
 * In-memory Baileys auth state: fresh `initAuthCreds()` plus a Map-backed SignalKeyStore.
 * Used by the simulator's fake parties and by tests (never `useMultiFileAuthState`).
 */
import { initAuthCreds } from "@whiskeysockets/baileys";
import type { AuthenticationCreds, SignalDataSet, SignalDataTypeMap, SignalKeyStoreWithTransaction } from "@whiskeysockets/baileys";

/** A Map-backed key store; `transaction` just runs the callback (single process, no I/O). */
export interface MemoryKeyStore extends SignalKeyStoreWithTransaction {
  /** Number of stored entries of one type (e.g. to count uploaded pre-keys). */
  count(type: keyof SignalDataTypeMap): number;
}

/** Creates an empty in-memory SignalKeyStore. */
export function memoryKeyStore(): MemoryKeyStore {
  const data = new Map<string, Map<string, unknown>>();
  const bucket = (type: string) => {
    let m = data.get(type);
    if (!m) data.set(type, (m = new Map()));
    return m;
  };
  let depth = 0;
  return {
    get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const m = bucket(type);
      const out: { [id: string]: SignalDataTypeMap[T] } = {};
      for (const id of ids) {
        const v = m.get(id);
        if (v !== undefined) out[id] = v as SignalDataTypeMap[T];
      }
      return out;
    },
    set(set: SignalDataSet) {
      for (const [type, entries] of Object.entries(set)) {
        const m = bucket(type);
        for (const [id, value] of Object.entries(entries ?? {})) {
          if (value === null || value === undefined) m.delete(id);
          else m.set(id, value);
        }
      }
    },
    clear() {
      data.clear();
    },
    count(type) {
      return bucket(type).size;
    },
    isInTransaction: () => depth > 0,
    async transaction<T>(exec: () => Promise<T>): Promise<T> {
      depth++;
      try {
        return await exec();
      } finally {
        depth--;
      }
    },
  };
}

/** A complete in-memory auth state for `makeWASocket({ auth })`; creds are mutated in place by Baileys' `creds.update`. */
export interface MemoryAuthState {
  creds: AuthenticationCreds;
  keys: MemoryKeyStore;
}

/** Creates fresh credentials (a new, unpaired companion) over an in-memory key store. */
export function memoryAuthState(): MemoryAuthState {
  return { creds: initAuthCreds(), keys: memoryKeyStore() };
}
