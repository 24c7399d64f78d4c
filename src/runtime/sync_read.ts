/**
 * Synchronous positional reads of a file, for code that cannot wait for a promise: a page SQLite
 * reads through sql.js's in-memory file system must be there when the read returns
 * (snapshot_lazy.ts). node:fs's sync calls behave the same on Node and Deno; FsPort is asynchronous.
 */
export { closeSync, fstatSync, openSync, readSync } from "node:fs";
