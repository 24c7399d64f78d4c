import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { proto } from "@whiskeysockets/baileys";
import type { WAMessage } from "@whiskeysockets/baileys";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer } from "node:net";
import type { AddressInfo } from "node:net";
import { MEDIA_TEST_CERT, MEDIA_TEST_KEY } from "../sim/media-cert.ts";
import {
  describeDownloadFailure,
  extraMediaOrigins,
  mediaFetchUrl,
  mediaUrlProblem,
} from "../../src/whatsapp/media_source.ts";

const image = (loc: Record<string, unknown>): WAMessage =>
  ({ key: { id: "X" }, message: { imageMessage: { mimetype: "image/jpeg", ...loc } } }) as unknown as WAMessage;

describe("media sources", () => {
  test("the fetched URL is computed as Baileys does: directPath on the url's host, else mmg.whatsapp.net", () => {
    assert.equal(mediaFetchUrl(image({ url: "https://mmg.whatsapp.net/v/a", directPath: "/v/b" })), "https://mmg.whatsapp.net/v/b");
    assert.equal(mediaFetchUrl(image({ url: "https://evil.example:8443/v/a", directPath: "/v/b" })), "https://evil.example:8443/v/b");
    assert.equal(mediaFetchUrl(image({ directPath: "/v/b" })), "https://mmg.whatsapp.net/v/b");
    assert.equal(mediaFetchUrl(image({ url: "https://x.example/y" })), "https://x.example/y");
    assert.equal(mediaFetchUrl({ key: {}, message: { conversation: "hi" } } as unknown as WAMessage), null);
    const decoded = proto.WebMessageInfo.decode(proto.WebMessageInfo.encode({ key: {}, message: { imageMessage: { directPath: "/v/c" } } }).finish());
    assert.equal(mediaFetchUrl(decoded as WAMessage), "https://mmg.whatsapp.net/v/c");
  });

  test("only WhatsApp's media hosts over HTTPS on the default port, or an added origin, may be fetched", () => {
    for (const ok of ["https://mmg.whatsapp.net/v/t62/x", "https://mmg-fallback.whatsapp.net/d/f", "https://media-fra3-1.cdn.whatsapp.net/v/x", "https://media.ffra1-1.fna.whatsapp.net/v/x"]) {
      assert.equal(mediaUrlProblem(ok), null, ok);
    }
    const bad = [
      "http://mmg.whatsapp.net/v/x",
      "https://mmg.whatsapp.net:8443/v/x",
      "https://mmg.whatsapp.net@127.0.0.1/v/x",
      "https://mmg.whatsapp.net.evil.example/v/x",
      "https://evilmmg.whatsapp.net.example/v/x",
      "https://127.0.0.1/v/x",
      "https://[::1]/v/x",
      "https://169.254.169.254/latest/meta-data",
      "https://whatsapp.net/v/x",
      "https://media.evil.example/x.cdn.whatsapp.net",
      "file:///etc/passwd",
      "not a url",
      null,
    ];
    for (const url of bad) assert.notEqual(mediaUrlProblem(url), null, String(url));
    const origins = extraMediaOrigins(["127.0.0.1:8443"]);
    assert.deepEqual(origins, ["https://127.0.0.1:8443"]);
    assert.equal(mediaUrlProblem("https://127.0.0.1:8443/v/x", origins), null);
    assert.notEqual(mediaUrlProblem("https://127.0.0.1:8444/v/x", origins), null);
    assert.notEqual(mediaUrlProblem("http://127.0.0.1:8443/v/x", origins), null);
  });

  test("a failed download says why (DNS, certificate, refused, status, decryption) and never the URL", () => {
    const fetchFailed = (cause: Record<string, unknown>) => Object.assign(new TypeError("fetch failed"), { cause });
    assert.match(describeDownloadFailure(fetchFailed({ code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND x" }), null), /could not be resolved \(DNS: ENOTFOUND\)/);
    assert.match(describeDownloadFailure(new TypeError("error sending request for url (https://h/x?oh=SECRET): client error (Connect): dns error: failed to lookup address information"), null), /DNS/);
    assert.match(describeDownloadFailure(fetchFailed({ code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE", message: "unable to verify the first certificate" }), null), /TLS certificate was not accepted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    assert.match(describeDownloadFailure(new TypeError("client error (Connect): invalid peer certificate: UnknownIssuer"), null), /TLS certificate/);
    assert.match(describeDownloadFailure(fetchFailed({ code: "ECONNREFUSED" }), null), /refused the connection/);
    assert.equal(describeDownloadFailure(new Error("x"), 500), "the media server answered HTTP 500");
    const leaky = describeDownloadFailure(new Error("something odd at https://mmg.whatsapp.net/v/x?oh=SECRET&oe=1 from https://a"), null);
    assert.doesNotMatch(leaky, /SECRET|mmg\.whatsapp/);
  });

  test("the runtime's own fetch errors (certificate, refused, DNS) are told apart, without the URL's secrets", async () => {
    const whyFetch = async (url: string) => {
      const err = await fetch(url, { signal: AbortSignal.timeout(10_000) }).then((r) => r.body?.cancel().then(() => null), (e: unknown) => e);
      assert.ok(err, `${url} was expected to fail`);
      const why = describeDownloadFailure(err, null);
      assert.doesNotMatch(why, /SECRET|oh=|127\.0\.0\.1|\.invalid/, why);
      return why;
    };
    // An HTTPS host whose certificate no system CA signed (the simulator's test CA).
    const tls = createHttpsServer({ cert: MEDIA_TEST_CERT, key: MEDIA_TEST_KEY }, (_req, res) => res.end("x"));
    await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
    try {
      const port = (tls.address() as AddressInfo).port;
      assert.match(await whyFetch(`https://127.0.0.1:${port}/v/t62/x?oh=SECRET&oe=1`), /TLS certificate was not accepted/);
    } finally {
      tls.closeAllConnections?.();
      await new Promise((resolve) => tls.close(resolve));
    }
    // A port nobody listens on (bound and released).
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const closed = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    assert.match(await whyFetch(`https://127.0.0.1:${closed}/v/x?oh=SECRET`), /refused the connection/);
    // A name that never resolves (RFC 6761 .invalid).
    assert.match(await whyFetch("https://mmg.example.invalid/v/x?oh=SECRET"), /could not be resolved \(DNS/);
  });
});
