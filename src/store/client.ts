/**
 * A `Repository` whose every call is a message to the store actor (registry name "store"),
 * so other actors keep talking only by messages while their code reads like plain calls.
 */
import type { Registry } from "../../supervisors/mod.ts";
import type { Repository, WriteOp } from "./types.ts";

/** Every Repository method except close (the supervisor owns the store's lifetime). */
export type RepositoryMethod = Exclude<keyof Repository, "close">;

/** The request the store actor answers. */
export interface StoreCall {
  type: "call";
  method: RepositoryMethod;
  args: unknown[];
}

/**
 * Each method's kind, which sets its ask timeout. Typed as a record over `RepositoryMethod`, so a
 * method added to `Repository` and missing here (or one listed that does not exist) fails to compile.
 */
const METHOD_KINDS = {
  commit: "write",
  getChat: "read",
  listChats: "read",
  searchContacts: "read",
  listMessages: "read",
  getMessage: "read",
  findMessageChats: "read",
  getRawMessage: "read",
  getMessageContext: "read",
  getMessageNeighbours: "read",
  resolvePerson: "read",
  getDirectChat: "read",
  getContactChats: "read",
  getLastInteraction: "read",
  getGroupInfo: "read",
  getReceipts: "read",
  getPolls: "read",
  stats: "read",
  authGet: "read",
  authList: "read",
  metaGet: "read",
  liveEvents: "read",
  liveHead: "read",
  getHeldSend: "read",
  listHeldSends: "read",
  webhookDue: "read",
  webhookNextDue: "read",
  webhookStatus: "read",
  getScheduled: "read",
  listScheduled: "read",
} as const satisfies Record<RepositoryMethod, "read" | "write">;

/** The methods, derived from the table above so the client and the actor agree. */
export const REPOSITORY_METHODS = Object.keys(METHOD_KINDS) as readonly RepositoryMethod[];

/** Ask timeouts of the store client: writes may wait behind a snapshot, so they get longer. */
export const STORE_TIMEOUTS = { readMs: 30_000, writeMs: 120_000 } as const;

/** Registry name of the store actor. */
export const STORE = "store";

/** Builds the message-passing Repository. Writes get a longer timeout than reads. */
export function storeClient(registry: Registry, opts: { readTimeoutMs?: number; writeTimeoutMs?: number; fenced?: boolean } = {}): Repository {
  const call = <M extends RepositoryMethod>(method: M): Repository[M] => {
    const timeoutMs = METHOD_KINDS[method] === "write"
      ? opts.writeTimeoutMs ?? STORE_TIMEOUTS.writeMs
      : opts.readTimeoutMs ?? STORE_TIMEOUTS.readMs;
    // The actor applies the same method to the repository, so the reply has the method's result type.
    return ((...args: unknown[]) => registry.ask(STORE, { type: "call", method, args } satisfies StoreCall, { timeoutMs })) as Repository[M];
  };
  const methods = Object.fromEntries(REPOSITORY_METHODS.map((m) => [m, call(m)])) as { [M in RepositoryMethod]: Repository[M] };
  if (opts.fenced) {
    // Every commit of this client is a WhatsApp leader's write (`CommitOptions.fenced`).
    const timeoutMs = opts.writeTimeoutMs ?? STORE_TIMEOUTS.writeMs;
    methods.commit = ((ops: WriteOp[]) =>
      registry.ask(STORE, { type: "call", method: "commit", args: [ops, { fenced: true }] } satisfies StoreCall, { timeoutMs })) as Repository["commit"];
  }
  return { ...methods, close: () => Promise.resolve() };
}
