/**
 * The process's stdin/stdout as a byte port for the MCP stdio session (what the SDK's
 * StdioServerTransport does, without loading the SDK). `node:process` serves Node and Deno.
 */
import process from "node:process";
import { startMark } from "./start_trace.ts";

/** Bytes in, text out. */
export interface StdioPort {
  /** Starts delivering stdin chunks; returns a function that stops (and pauses stdin if nobody else reads it). */
  listen(onData: (chunk: Uint8Array) => void, onError: (err: Error) => void): () => void;
  /** Writes text to stdout; resolves once it is handed to the OS or buffered without back-pressure. */
  write(text: string): Promise<void>;
}

/** The process's own stdin/stdout. */
export const processStdio: StdioPort = {
  listen(onData, onError) {
    process.stdin.on("data", onData);
    process.stdin.on("error", onError);
    return () => {
      process.stdin.off("data", onData);
      process.stdin.off("error", onError);
      if (process.stdin.listenerCount("data") === 0) process.stdin.pause();
    };
  },
  write(text) {
    startMark("stdout: write");
    return new Promise((resolve) => {
      if (process.stdout.write(text)) resolve(); // stdout-ok: this is the MCP JSON-RPC channel itself
      else process.stdout.once("drain", resolve);
    });
  },
};
