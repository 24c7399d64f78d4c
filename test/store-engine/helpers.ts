/**
 * Shared pieces of the store-engine tests: sql.js, a tiny op set, temp folders, crash images,
 * and an FsPort wrapper that counts calls and injects errors (the seam we own).
 */
import initSqlJs from "sql.js";
import type { Database, SqlJsStatic } from "sql.js";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FsPort } from "../../src/runtime/fs.ts";
import { nodeFs } from "../../src/runtime/fs.ts";
import type { Clock } from "../../supervisors/mod.ts";
import type { DurableOptions } from "../../src/store/sqljs/durable.ts";
import { parseTrailer, TRAILER_BYTES } from "../../src/store/sqljs/snapshot_checksum.ts";

/** The test op set: rows of `t`. "boom" makes apply throw (a bad batch). */
export type TOp =
  | { op: "put"; n: number; v?: string; b?: Uint8Array }
  | { op: "del"; n: number }
  | { op: "boom" };

let sqlPromise: Promise<SqlJsStatic> | undefined;
/** sql.js, loaded once. */
export function loadSql(): Promise<SqlJsStatic> {
  return (sqlPromise ??= initSqlJs());
}

/** Idempotent schema. */
export function migrate(db: Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY, v TEXT, b BLOB)");
}

/** Applies test ops. */
export function apply(db: Database, ops: TOp[]): void {
  for (const o of ops) {
    if (o.op === "put") db.run("INSERT OR REPLACE INTO t (n, v, b) VALUES (?, ?, ?)", [o.n, o.v ?? null, o.b ?? null]);
    else if (o.op === "del") db.run("DELETE FROM t WHERE n = ?", [o.n]);
    else throw new Error("boom: this batch is refused by apply");
  }
}

/** Row numbers present, ascending. */
export function rows(db: Database): number[] {
  return (db.exec("SELECT n FROM t ORDER BY n")[0]?.values ?? []).map((r) => Number(r[0]));
}

/** 1..n */
export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

/** A fresh temp folder (removed by `cleanup`). */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "wa-store-engine-"));
}

/** Removes temp folders. */
export function cleanup(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/**
 * What a crash would leave: a copy of the store's files as they are on disk right now
 * (no lock file), in a new folder. Everything acknowledged was fsynced, so it is in the copy.
 */
export function crashImage(dir: string): string {
  const out = tempDir();
  for (const name of readdirSync(dir)) {
    if (name.endsWith(".lock")) continue;
    if (existsSync(join(dir, name))) copyFileSync(join(dir, name), join(out, name));
  }
  return out;
}

/** Options for the test store. */
export async function storeOptions(dir: string, extra: Partial<DurableOptions<TOp>> = {}): Promise<DurableOptions<TOp>> {
  return { dir, sql: await loadSql(), migrate, apply, ...extra };
}

/** A file-system error like the ones node:fs throws. */
export function fsError(code: string, syscall = "write"): Error {
  return Object.assign(new Error(`${code}: injected fault, ${syscall}`), { code, syscall });
}

/** Decides whether a call fails: return an Error to throw it. */
export type Fault = (args: unknown[]) => Error | undefined;

/** An FsPort over the real one that counts calls per method and can inject faults per method. */
export function instrumentedFs(base: FsPort = nodeFs): {
  fs: FsPort;
  calls: Record<string, number>;
  faults: Partial<Record<keyof FsPort, Fault>>;
} {
  const calls: Record<string, number> = {};
  const faults: Partial<Record<keyof FsPort, Fault>> = {};
  const fs = {} as Record<string, unknown>;
  for (const key of Object.keys(base) as Array<keyof FsPort>) {
    fs[key] = async (...args: unknown[]) => {
      calls[key] = (calls[key] ?? 0) + 1;
      const err = faults[key]?.(args);
      if (err) throw err;
      return await (base[key] as (...a: unknown[]) => Promise<unknown>)(...args);
    };
  }
  return { fs: fs as unknown as FsPort, calls, faults };
}

/** Path of an FsFile or a path argument. */
export function argPath(arg: unknown): string {
  return typeof arg === "string" ? arg : String((arg as { path?: string }).path);
}

/** A clock whose timers fire only when the test says so. */
export function manualClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void; pending(): number } {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(h) {
      timers.delete(h as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now && timers.has(id)) {
          timers.delete(id);
          t.fn();
        }
      }
    },
    pending: () => timers.size,
  };
}

/** Waits (yielding to I/O) until `cond` holds; fails after `tries` rounds. Not a timing assertion. */
export async function waitUntil(cond: () => boolean, what: string, tries = 500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for: ${what}`);
}

/** The SQLite image of a snapshot file (without its checksums: the format before checksums). */
export function imageOf(file: Uint8Array): Uint8Array {
  const t = parseTrailer(file.subarray(file.length - TRAILER_BYTES), file.length);
  return file.subarray(0, t ? t.imageLength : file.length);
}
