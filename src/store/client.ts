/**
 * A `Repository` whose every call is a message to the store actor (registry name "store"),
 * so other actors keep talking only by messages while their code reads like plain calls.
 */
import type { Registry } from "../../supervisors/mod.ts";
import type { Repository } from "./types.ts";

/** Every Repository method except close (the supervisor owns the store's lifetime). */
export type RepositoryMethod = Exclude<keyof Repository, "close">;

/** The request the store actor answers. */
export interface StoreCall {
  type: "call";
  method: RepositoryMethod;
  args: unknown[];
}

/** The methods, listed once so the client and the actor agree. */
export const REPOSITORY_METHODS: readonly RepositoryMethod[] = [
  "commit",
  "getChat",
  "listChats",
  "searchContacts",
  "listMessages",
  "getMessage",
  "findMessageChats",
  "getRawMessage",
  "getMessageContext",
  "getMessageContexts",
  "resolvePerson",
  "getDirectChat",
  "getContactChats",
  "getLastInteraction",
  "getGroupInfo",
  "getReceipts",
  "stats",
  "authGet",
  "metaGet",
  "liveEvents",
  "liveHead",
  "getHeldSend",
  "listHeldSends",
];

/** Registry name of the store actor. */
export const STORE = "store";

/**
 * Builds the message-passing Repository. Writes get a longer timeout than reads. `fenced`: every
 * commit is a WhatsApp leader's write (`CommitOptions.fenced`; the connection and sync actors').
 */
export function storeClient(registry: Registry, opts: { readTimeoutMs?: number; writeTimeoutMs?: number; fenced?: boolean } = {}): Repository {
  const client: Record<string, unknown> = {};
  for (const method of REPOSITORY_METHODS) {
    const timeoutMs = method === "commit" ? opts.writeTimeoutMs ?? 120_000 : opts.readTimeoutMs ?? 30_000;
    client[method] = (...args: unknown[]) => registry.ask(STORE, { type: "call", method, args } satisfies StoreCall, { timeoutMs });
  }
  if (opts.fenced) {
    client.commit = (ops: unknown) =>
      registry.ask(STORE, { type: "call", method: "commit", args: [ops, { fenced: true }] } satisfies StoreCall, {
        timeoutMs: opts.writeTimeoutMs ?? 120_000,
      });
  }
  client.close = () => Promise.resolve();
  return client as unknown as Repository;
}
