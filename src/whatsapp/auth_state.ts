/**
 * Baileys auth state (credentials and every Signal key type) kept in OUR store, never in
 * files (`useMultiFileAuthState`). Values are JSON with Baileys' `BufferJSON` (bytes as base64),
 * written with `setAuth` ops; `keys.set` resolves only once the store says the write is durable,
 * so a key is never used (a session advanced, a pre-key consumed) before it would survive a crash.
 *
 * Categories are the `SignalDataTypeMap` names (`pre-key`, `session`, `sender-key`,
 * `sender-key-memory`, `app-state-sync-key`, `app-state-sync-version`, `lid-mapping`,
 * `device-list`, `tctoken`, `identity-key`) plus `creds` (id `creds`).
 */
import { BufferJSON, initAuthCreds, proto } from "@whiskeysockets/baileys";
import type {
  AuthenticationCreds,
  AuthenticationState,
  SignalDataSet,
  SignalDataTypeMap,
  SignalKeyStore,
} from "@whiskeysockets/baileys";
import type { SessionStore } from "../store/ports.ts";
import type { WriteOp } from "../store/types.ts";

/** The category and id under which the credentials are stored. */
export const CREDS_CATEGORY = "creds";

/** A store-backed auth state. `state.creds` is mutated in place by Baileys (`creds.update`). */
export interface StoreAuthState {
  state: AuthenticationState;
  /** Writes the current credentials (call on every `creds.update`); resolves when durable. */
  saveCreds(): Promise<void>;
  /** Deletes the whole session (after a 401) and starts over with fresh, unlinked credentials. */
  clear(): Promise<void>;
  /** True when the credentials belong to a linked device (paired and signed by the account). */
  isLinked(): boolean;
}

/** Options of `makeStoreAuthState`. */
export interface StoreAuthOptions {
  /** Most key entries kept in memory (reads and misses), least recently used evicted. Default 20 000. */
  cacheSize?: number;
}

/**
 * Loads (or creates) the auth state from `repo`. A half-finished pairing-code login (a phone
 * number set but never confirmed by the account) is reset so the next connect starts a fresh link.
 */
export async function makeStoreAuthState(repo: SessionStore, opts: StoreAuthOptions = {}): Promise<StoreAuthState> {
  const cache = new LruCache<string, string | null>(opts.cacheSize ?? 20_000);
  const stored = await repo.authGet(CREDS_CATEGORY, [CREDS_CATEGORY]);
  let creds: AuthenticationCreds = stored[CREDS_CATEGORY] ? decode(stored[CREDS_CATEGORY]) : initAuthCreds();
  if (creds.me && !creds.account) {
    creds.me = undefined;
    creds.pairingCode = undefined;
  }

  const keys: SignalKeyStore = {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const out: { [id: string]: SignalDataTypeMap[T] } = {};
      const missing: string[] = [];
      const texts = new Map<string, string>();
      for (const id of ids) {
        const hit = cache.get(cacheKey(type, id));
        if (hit === undefined) missing.push(id);
        else if (hit !== null) texts.set(id, hit);
      }
      if (missing.length) {
        const found = await repo.authGet(type, missing);
        for (const id of missing) {
          const text = found[id] ?? null;
          // Misses are cached too: we are the only writer of this store.
          cache.set(cacheKey(type, id), text);
          if (text !== null) texts.set(id, text);
        }
      }
      // Decoded per read: Baileys mutates what it gets (device lists), and such a change must
      // not become visible unless it is written back through set().
      for (const [id, text] of texts) {
        let value = decode(text);
        if (type === "app-state-sync-key" && value) value = proto.Message.AppStateSyncKeyData.fromObject(value);
        out[id] = value as SignalDataTypeMap[T];
      }
      return out;
    },
    async set(data: SignalDataSet) {
      const ops: WriteOp[] = [];
      const applied: Array<[string, string | null]> = [];
      for (const [category, entries] of Object.entries(data)) {
        for (const [id, value] of Object.entries(entries ?? {})) {
          const text = value == null ? null : encode(value);
          ops.push({ op: "setAuth", category, id, value: text });
          applied.push([cacheKey(category, id), text]);
        }
      }
      if (!ops.length) return;
      await repo.commit(ops);
      // Only after the write is durable do readers see it.
      for (const [k, v] of applied) cache.set(k, v);
    },
    async clear() {
      await repo.commit([{ op: "clearAuth" }]);
      cache.clear();
    },
  };

  const state: AuthenticationState = { creds, keys };
  return {
    state,
    saveCreds: () => repo.commit([{ op: "setAuth", category: CREDS_CATEGORY, id: CREDS_CATEGORY, value: encode(state.creds) }]),
    async clear() {
      await repo.commit([{ op: "clearAuth" }]);
      cache.clear();
      creds = initAuthCreds();
      state.creds = creds;
    },
    isLinked: () => isLinkedCreds(state.creds),
  };
}

/** True for credentials of a linked device: paired (`me`) and signed by the account (`account`). */
export function isLinkedCreds(creds: AuthenticationCreds): boolean {
  return !!creds.me?.id && !!creds.account;
}

/**
 * Reads phone-number JIDs for LIDs from the mapping Baileys keeps in the auth store
 * (`lid-mapping` entries `<lidUser>_reverse` → phone user). Input and output JIDs are normalized
 * (`123@lid` → `456@s.whatsapp.net`); unknown LIDs are absent from the result.
 */
export async function readLidMappings(repo: Pick<SessionStore, "authGet">, lids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const byKey = new Map<string, string>();
  for (const lid of lids) {
    const user = lid.split("@")[0]?.split(":")[0];
    if (user) byKey.set(`${user}_reverse`, lid);
  }
  if (!byKey.size) return out;
  const found = await repo.authGet("lid-mapping", [...byKey.keys()]);
  for (const [key, text] of Object.entries(found)) {
    const lid = byKey.get(key);
    const pnUser = decode(text);
    if (lid && typeof pnUser === "string" && pnUser) out.set(lid, `${pnUser}@s.whatsapp.net`);
  }
  return out;
}

function cacheKey(category: string, id: string): string {
  return `${category}\u0000${id}`;
}

function encode(value: unknown): string {
  return JSON.stringify(value, BufferJSON.replacer);
}

// deno-lint-ignore no-explicit-any
function decode(text: string): any {
  return JSON.parse(text, BufferJSON.reviver);
}

/** A small LRU map (insertion order of a Map is the recency order). */
class LruCache<K, V> {
  #map = new Map<K, V>();
  constructor(readonly max: number) {}
  get(k: K): V | undefined {
    const v = this.#map.get(k);
    if (v !== undefined) {
      this.#map.delete(k);
      this.#map.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.#map.delete(k);
    this.#map.set(k, v);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as K);
  }
  clear(): void {
    this.#map.clear();
  }
}
