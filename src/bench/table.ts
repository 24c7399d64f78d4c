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

/** One line per row of the issue's table. */
export function issueTable(out: Obj): Obj {
  const runtimes = ["node", "deno"];
  const perRuntime = (f: (rt: string) => unknown) => Object.fromEntries(runtimes.map((rt) => [rt, f(rt)]));
  return {
    listMessagesWithContext20Ms: at(out, "store", "queries", "listMessagesContext20", "p50"),
    searchContactsAnaMs: at(out, "store", "queries", "searchContactsAna", "p50"),
    newest20InChatMs: at(out, "store", "queries", "newest20InChat", "p50"),
    firstSearchAfterImportSeconds: at(out, "store", "firstSearchAfterImportSeconds"),
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
