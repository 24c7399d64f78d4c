/**
 * The tests' poll (test/helpers/until.ts): a probe over HTTP that meets a refused or reset
 * connection (a server starting, restarting, closing a kept-alive socket) polls on; any other
 * failure of the probe fails at once; the e2e harness's poll takes every failure for "not yet".
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { isConnectionFailure, until } from "../helpers/until.ts";

/** A server on a free loopback port whose first `resets` requests get their connection cut. */
async function flakyServer(resets: number): Promise<{ server: Server; url: string; seen: () => number }> {
  let seen = 0;
  const server = createServer((req, res) => {
    if (++seen <= resets) {
      req.socket.destroy();
      return;
    }
    res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen: () => seen };
}

const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await closeServer(s);
  return port;
}

describe("until (test/helpers/until.ts)", () => {
  test("a probe whose fetch meets a reset connection polls on until the server answers", async () => {
    const { server, url, seen } = await flakyServer(3);
    try {
      const body = await until("the server's answer", async () => {
        const res = await fetch(url);
        return await res.text();
      }, 10_000);
      assert.equal(body, "ok");
      assert.equal(seen(), 4);
    } finally {
      await closeServer(server);
    }
  });

  test("a probe whose fetch is refused polls on until the server listens", async () => {
    const port = await closedPort();
    let tries = 0;
    const { server, url } = await flakyServer(0);
    try {
      const body = await until("the server's answer", async () => {
        const res = await fetch(++tries <= 2 ? `http://127.0.0.1:${port}/` : url);
        return await res.text();
      }, 10_000);
      assert.equal(body, "ok");
      assert.equal(tries, 3);
    } finally {
      await closeServer(server);
    }
  });

  test("a probe's other failure fails the poll at once; with notYet, any failure polls on", async () => {
    let tries = 0;
    const started = Date.now();
    await assert.rejects(until("never", () => {
      tries++;
      throw new RangeError("not a network failure");
    }, 10_000), RangeError);
    assert.equal(tries, 1);
    assert.ok(Date.now() - started < 5_000);
    tries = 0;
    const v = await until("third try", () => {
      if (++tries < 3) throw new RangeError("not yet");
      return tries;
    }, 10_000, { notYet: () => true, everyMs: 1 });
    assert.equal(v, 3);
  });

  test("a timeout says the last failure that meant not yet", async () => {
    const port = await closedPort();
    await assert.rejects(
      until("a closed port", async () => (await fetch(`http://127.0.0.1:${port}/`)).ok, 100),
      (err: Error) => /Timed out waiting for a closed port \(last error: /.test(err.message),
    );
  });

  test("isConnectionFailure: Node's and Deno's words for a failed connection, not an answer's failure", () => {
    const node = (code: string, message = "x") => Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error(message), { code }) });
    assert.ok(isConnectionFailure(node("ECONNREFUSED")));
    assert.ok(isConnectionFailure(node("ECONNRESET")));
    assert.ok(isConnectionFailure(node("UND_ERR_SOCKET", "other side closed")));
    assert.ok(isConnectionFailure(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })));
    // Deno 2: "fetch failed" too, the reason in its cause's words.
    const deno = (message: string) => Object.assign(new TypeError("fetch failed"), { cause: new Error(message) });
    assert.ok(isConnectionFailure(deno("error sending request for url (http://127.0.0.1:1/): client error (Connect): tcp connect error: Connection refused (os error 111)")));
    assert.ok(isConnectionFailure(deno("error sending request from 127.0.0.1:1 for http://127.0.0.1:2/ (127.0.0.1:2): client error (SendRequest): connection closed before message completed")));
    assert.ok(!isConnectionFailure(new SyntaxError("Unexpected end of JSON input")));
    assert.ok(!isConnectionFailure(new assert.AssertionError({ message: "503 !== 200" })));
    assert.ok(!isConnectionFailure(null));
  });
});
