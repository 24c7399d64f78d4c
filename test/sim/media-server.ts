/**
 * The simulated media CDN: an HTTPS server on 127.0.0.1 with the test certificate. Clients
 * upload encrypted blobs with POST /mms/<type>/<encSha256>?auth=… (as Baileys'
 * `getWAUploadToServer` does) and download them with GET on the returned direct path.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { MediaHost } from "./core.ts";
import { MEDIA_TEST_CERT, MEDIA_TEST_KEY } from "./media-cert.ts";

/** A running media host. */
export interface MediaServer extends MediaHost {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  /** Number of uploads received. */
  readonly uploads: number;
  close(): Promise<void>;
}

/** Starts the HTTPS media host. `expectedAuth` is the token handed out in `media_conn`. */
export async function startMediaServer(expectedAuth: string): Promise<MediaServer> {
  const blobs = new Map<string, Uint8Array>();
  let uploads = 0;
  const put = (bytes: Uint8Array, kind: string): string => {
    const path = `/sim/${kind}/${randomBytes(12).toString("hex")}.enc`;
    blobs.set(path, bytes);
    return path;
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    if (req.method === "GET") {
      const blob = blobs.get(url.pathname);
      if (!blob) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(blob.length) }).end(Buffer.from(blob));
      return;
    }
    if (req.method === "POST" && url.pathname.startsWith("/mms/")) {
      if (url.searchParams.get("auth") !== expectedAuth) {
        res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "bad auth" }));
        return;
      }
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      // The path carries base64url(sha256(blob)); a mismatch means a corrupted upload.
      const token = url.pathname.split("/").pop() ?? "";
      const sha = createHash("sha256").update(body).digest("base64url");
      if (decodeURIComponent(token).replace(/=+$/, "") !== sha) {
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "hash mismatch" }));
        return;
      }
      uploads++;
      const kind = url.pathname.split("/")[2] ?? "media";
      const directPath = put(body, kind);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ url: `https://${host}${directPath}`, direct_path: directPath }));
      return;
    }
    res.writeHead(405).end();
  };
  const server = createServer({ cert: MEDIA_TEST_CERT, key: MEDIA_TEST_KEY }, (req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    url: `https://${host}`,
    get uploads() {
      return uploads;
    },
    put,
    get(pathOrUrl: string) {
      const p = pathOrUrl.startsWith("https://") ? new URL(pathOrUrl).pathname : pathOrUrl;
      return blobs.get(p);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
