/**
 * The runtime adapter: serving the app on a real socket (Deno.serve on Deno, @hono/node-server on
 * Node), port 0, Host checks with the bound port, and close() with a stream still open.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createHttpApp } from "../../src/http/app.ts";
import { serve } from "../../src/runtime/serve.ts";
import { fakeDeps } from "./fixtures.ts";

/** Fails instead of hanging the suite when `p` never settles. */
function guard<T>(p: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

describe("serve()", () => {
  test("port 0 binds a free port on 127.0.0.1 and the app answers there with its Host check passing", async () => {
    let port = 0;
    const { deps } = fakeDeps({ port: () => port });
    const served = await serve(createHttpApp(deps), { hostname: "127.0.0.1", port: 0 });
    port = served.port;
    try {
      assert.ok(served.port > 0);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      assert.deepEqual(await health.json(), { ok: true });
      const status = await fetch(`http://127.0.0.1:${port}/api/status`);
      assert.equal(status.status, 200);
      assert.equal((await status.json()).link.state, "qr");
      const viaLocalhostName = await fetch(`http://localhost:${port}/api/session-backend`).catch(() => null);
      // localhost may resolve to ::1 first where nothing listens; when it connects, it is accepted.
      if (viaLocalhostName) {
        assert.equal(viaLocalhostName.status, 200);
        await viaLocalhostName.body?.cancel();
      }
    } finally {
      await guard(served.close(), "close()");
    }
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`));
  });

  test("close() ends a response stream that is still open (an MCP event stream)", async () => {
    const app = new Hono();
    app.get("/stream", () =>
      new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("data: hi\n\n")); } }), {
        headers: { "content-type": "text/event-stream" },
      }));
    const served = await serve(app, { hostname: "127.0.0.1", port: 0 });
    const res = await fetch(`http://127.0.0.1:${served.port}/stream`);
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), "data: hi\n\n");
    await guard(served.close(), "close() with an open stream");
    await reader.read().catch(() => null); // ended or errored: either way not hanging
    await reader.cancel().catch(() => {});
  });

  test("a port already in use is an error, not a silent second server", async () => {
    const a = await serve(new Hono(), { hostname: "127.0.0.1", port: 0 });
    try {
      // The http actor turns this code into "the port is in use (another whatsapp-mcp? set MCP_PORT)".
      await assert.rejects(serve(new Hono(), { hostname: "127.0.0.1", port: a.port }), (e: unknown) => (e as { code?: string }).code === "EADDRINUSE");
    } finally {
      await a.close();
    }
  });
});
