/**
 * Loads sql.js once per process with its .wasm found by `wasm/locate.ts` (node_modules in
 * development, embedded assets in a compiled binary), so it works from any working directory.
 */
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
      const sql = await initSqlJs({ wasmBinary });
      startMark("sqljs: instantiated");
      return sql;
    })();
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}
