/**
 * Loads sql.js once per process with its .wasm found by `wasm/locate.ts` (node_modules in
 * development, embedded assets in a compiled binary), so it works from any working directory.
 *
 * On Node the module is compiled whole, up front: V8 compiles a wasm function lazily, on its first
 * call, on the calling thread, so the store's first statements on a big database (the schema's
 * parse, the first pages read) paid ~30-80 ms of compiling on the main thread right after the
 * snapshot was read. Compiled eagerly (`--no-wasm-lazy-compilation` around this one compile), the
 * work runs on V8's background threads while the snapshot is still being read. Deno 2's V8 does
 * not take flags after start-up, so there the compile stays lazy.
 */
import v8 from "node:v8";
import initSqlJs from "sql.js";
import type { SqlJsStatic } from "sql.js";
import { loadWasmBytes } from "../../../wasm/locate.ts";
import { startMark } from "../../runtime/start_trace.ts";

let loading: Promise<SqlJsStatic> | null = null;

/** The sql.js module (cached). */
export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!loading) {
    loading = (async () => {
      startMark("sqljs: load wasm bytes");
      const bytes = await loadWasmBytes("sql");
      startMark("sqljs: wasm bytes read");
      // sql.js's typings want an ArrayBuffer; hand it exactly the file's bytes.
      const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      const eager = compileEagerly(true);
      let sql: SqlJsStatic;
      try {
        sql = await initSqlJs({ wasmBinary });
      } finally {
        if (eager) compileEagerly(false);
      }
      startMark("sqljs: instantiated");
      return sql;
    })();
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

/** Node: turns V8's eager wasm compile on (or back off); false where flags cannot change (Deno). */
function compileEagerly(on: boolean): boolean {
  if (typeof (globalThis as { Deno?: unknown }).Deno !== "undefined") return false;
  try {
    v8.setFlagsFromString(on ? "--no-wasm-lazy-compilation" : "--wasm-lazy-compilation");
    return true;
  } catch {
    return false;
  }
}
