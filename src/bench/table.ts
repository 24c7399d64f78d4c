/**
 * The figures of the performance issue's table in one place of the bench JSON (`table`), taken
 * from the parts that ran (null where a part did not run). Pure.
 */

type Obj = Record<string, unknown>;

const at = (o: unknown, ...path: string[]): unknown => {
  let x = o;
  for (const k of path) x = x !== null && typeof x === "object" ? (x as Obj)[k] : undefined;
  return x ?? null;
};

/**
 * The read tools' p50 over stdio (the store bench's `toolsOverStdio`): each workload's, and the
 * slowest of them but `list_messages` with its default context (its own row, ≤ 3 ms) and
 * `search_contacts` (≤ 1 ms): the issue's "other read tools ≤ 2 ms". Null when that part did not run.
 */
function readsOverStdio(out: Obj): Obj | null {
  const part = at(out, "store", "toolsOverStdio");
  const tools = at(part, "tools");
  if (tools === null || typeof tools !== "object") return null;
  const p50Ms: Record<string, number> = {};
  for (const [name, t] of Object.entries(tools as Obj)) {
    const p50 = at(t, "p50");
    if (typeof p50 === "number") p50Ms[name] = p50;
  }
  const others = Object.entries(p50Ms).filter(([name]) => name !== "listMessagesContext20" && name !== "searchContacts");
  return {
    runtime: at(part, "runtime"),
    warmupCalls: at(part, "warmup"),
    p50Ms,
    slowestOtherP50Ms: others.length ? Math.max(...others.map(([, v]) => v)) : null,
  };
}

/** One line per row of the issue's table. */
export function issueTable(out: Obj): Obj {
  const runtimes = ["node", "deno"];
  const perRuntime = (f: (rt: string) => unknown) => Object.fromEntries(runtimes.map((rt) => [rt, f(rt)]));
  return {
    listMessagesWithContext20Ms: at(out, "store", "queries", "listMessagesContext20", "p50"),
    searchContactsAnaMs: at(out, "store", "queries", "searchContactsAna", "p50"),
    readToolsOverStdio: readsOverStdio(out),
    newest20InChatMs: at(out, "store", "queries", "newest20InChat", "p50"),
    firstSearchAfterImportSeconds: at(out, "store", "firstSearchAfterImportSeconds"),
    firstRelevanceAfterImportSeconds: at(out, "store", "firstRelevanceAfterImportSeconds"),
    ingestDurableMsgsPerSec: at(out, "store", "ingest", "storeMsgsPerSec"),
    replayMsgsPerSec: at(out, "store", "replay", "msgsPerSec"),
    toolsListMs: perRuntime((rt) => at(out, "startup", rt, "toolsList", "p50_ms")),
    coldFirstListChatsMs: perRuntime((rt) => at(out, "coldStart", rt, "firstListChats", "p50_ms")),
    idleRssBytes: perRuntime((rt) => at(out, "coldStart", rt, "idleRssBytes")),
    storeBytes: at(out, "store", "storeBytes"),
    storeVsOriginalRatio: at(out, "seedSize", "ratio"),
    /** The store bench's own messages (real protos, media with thumbnails) against the original's file for them. */
    benchStoreVsOriginalRatio: at(out, "store", "original", "ratio"),
    messages: at(out, "store", "messages"),
    snapshotPeakRssBytes: at(out, "snapshotMemory", "snapshotPeakRssBytes"),
    rssBeforeSnapshotBytes: at(out, "snapshotMemory", "rssAfterOpenBytes"),
    exportCopyPeakRssBytes: at(out, "snapshotMemory", "exportCopyPeakRssBytes"),
  };
}
