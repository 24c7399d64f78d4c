/**
 * Media as MCP resources: `whatsapp://media/{chat_jid}/{message_id}` reads a message's
 * attachment as a blob (verified download, type from the bytes, size-capped), so clients that
 * read resources get the bytes without a file path. list_messages names the URI of each
 * message's media. No `list`: the media of a whole account is not a list to hand out.
 */
import { sniff } from "../media/sniff.ts";
import { bytesToBase64 } from "../store/codec.ts";
import { fetchMedia, messageWithMedia } from "./media_fetch.ts";
import { MEDIA_RESOURCE_TEMPLATE } from "./media_uri.ts";
import { resolveChatJid } from "./resolve.ts";
import { ErrorCode, McpError, type McpServer, ResourceTemplate } from "./sdk.ts";
import type { ResolvedDeps } from "./tool.ts";

/** Largest attachment served as a resource (base64 grows it by a third); larger: download_media. */
export const MAX_RESOURCE_BYTES = 16 * 1024 * 1024;

function variable(v: string | string[] | undefined, name: string): string {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) throw new McpError(ErrorCode.InvalidParams, `The URI has no ${name}: expected ${MEDIA_RESOURCE_TEMPLATE}`);
  try {
    return decodeURIComponent(s);
  } catch {
    throw new McpError(ErrorCode.InvalidParams, `The ${name} in the URI is not valid percent-encoding`);
  }
}

/** Reads one media resource (exported for tests). */
export async function readMediaResource(deps: ResolvedDeps, uri: URL, vars: Record<string, string | string[]>) {
  const messageId = variable(vars.message_id, "message_id");
  let blob: string;
  let mimeType: string;
  try {
    const chatJid = await resolveChatJid(deps.repository, variable(vars.chat_jid, "chat_jid"));
    const m = await messageWithMedia(deps, chatJid, messageId);
    if (m.media.fileLength && m.media.fileLength > MAX_RESOURCE_BYTES) throw new Error(tooLarge(m.media.fileLength));
    const got = await fetchMedia(deps, m);
    if (got.bytes.length > MAX_RESOURCE_BYTES) throw new Error(tooLarge(got.bytes.length));
    mimeType = sniff(got.bytes).mimetype;
    blob = bytesToBase64(got.bytes);
  } catch (err) {
    if (err instanceof McpError) throw err;
    throw new McpError(ErrorCode.InvalidParams, (err as Error).message);
  }
  return { contents: [{ uri: uri.href, mimeType, blob }] };
}

function tooLarge(n: number): string {
  return `The media is ${Math.round(n / 1024 / 1024)} MB; resources are served up to ${MAX_RESOURCE_BYTES / 1024 / 1024} MB (view_media shows a smaller rendering, download_media saves any size)`;
}

/** Registers the template on `server`. */
export function registerMediaResource(server: McpServer, deps: ResolvedDeps): void {
  server.registerResource(
    "message-media",
    new ResourceTemplate(MEDIA_RESOURCE_TEMPLATE, { list: undefined }),
    {
      title: "Media of a WhatsApp message",
      description: "The photo, video, audio, voice note, document or sticker of a message, as a blob (up to 16 MB).",
    },
    (uri, vars) => readMediaResource(deps, uri, vars),
  );
}
