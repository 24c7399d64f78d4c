/** The file names of a sql.js store in its folder (a light module: start-up needs them before the engine loads). */
import { joinPath } from "../../runtime/fs.ts";
import { currentPid } from "../../runtime/process.ts";

/** The files of one store. */
export interface StorePaths {
  dir: string;
  snapshot: string;
  snapshotTemp: string;
  journal: string;
  journalTemp: string;
  lock: string;
  /** Present while a corrupt file awaits the user's decision. */
  marker: string;
}

/** The store's base file name unless told otherwise: store.sqlite, store.journal... */
export const DEFAULT_STORE_NAME = "store";

/** Paths of the store `name` in `dir`. Temp names carry our pid. */
export function storePaths(dir: string, name: string): StorePaths {
  const pid = currentPid();
  return {
    dir,
    snapshot: joinPath(dir, `${name}.sqlite`),
    snapshotTemp: joinPath(dir, `${name}.sqlite.tmp-${pid}`),
    journal: joinPath(dir, `${name}.journal`),
    journalTemp: joinPath(dir, `${name}.journal.tmp-${pid}`),
    lock: joinPath(dir, `${name}.lock`),
    marker: joinPath(dir, `${name}.recovery-needed`),
  };
}
