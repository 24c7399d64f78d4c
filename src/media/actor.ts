/**
 * The media actor: a thin shell that puts a `MediaService` under supervision. Domain failures
 * (`MediaError`: not audio, too large, outside the roots, queue full, job timeout, worker crash)
 * reject only the ask, as `MediaReplyError` with the same `code`; a crash of the ffmpeg worker is
 * already absorbed by the runner, so only a bug in this code crashes the actor.
 *
 * Every reply is deferred (`deferReply`): a conversion can take seconds (a 5-minute MP3 ~2-3 s,
 * plus ~0.5 s the first time while the wasm compiles), and a `read_file` or a document `probe`
 * must not wait behind it. ffmpeg jobs (conversions, audio/video/image probes) still run one at a
 * time in the runner's bounded queue (`maxQueue`, then `queue_full`), so ask with a generous
 * `timeoutMs` (e.g. 130 000): it covers the wait in that queue too.
 */
import { type ActorContext, type Behavior, deferReply } from "../../supervisors/mod.ts";
import { UserError } from "../user_error.ts";
import { MediaError, type MediaErrorCode } from "./errors.ts";
import type { FfmpegRunnerOptions } from "./ffmpeg/runner.ts";
import type { MediaProbe } from "./probe.ts";
import { MediaService } from "./service.ts";
import type { SendableFile } from "./files.ts";
import type { VoiceNote } from "./voice_note.ts";
import type { MediaView, ViewOptions } from "./view/types.ts";
import type { ViewHint } from "./view/view.ts";

/** What the media actor understands. */
export type MediaMsg =
  | { type: "voice_note"; bytes: Uint8Array; fileName?: string }
  | { type: "voice_note_file"; path: string }
  | { type: "probe"; bytes: Uint8Array }
  | { type: "read_file"; path: string; asSticker?: boolean }
  | { type: "view"; bytes: Uint8Array; hint: ViewHint; options: ViewOptions };

/** Replies, by message type. */
export interface MediaReplies {
  voice_note: VoiceNote & { fileName?: string };
  voice_note_file: VoiceNote & { fileName: string };
  probe: MediaProbe;
  read_file: SendableFile;
  view: MediaView;
}

/** A `MediaError` as the kernel delivers it to the asker: rejects that ask only. */
export class MediaReplyError extends UserError {
  override name = "MediaReplyError";
  declare readonly code: MediaErrorCode;
  constructor(code: MediaErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Options of the media actor. */
export interface MediaActorOptions {
  /** Folders `read_file` / `voice_note_file` may read from. */
  roots: string[];
  /** Runner tuning; its clock defaults to the actor's (the kernel's) clock. */
  runner?: FfmpegRunnerOptions;
  /** Builds the service (a seam for tests); default `new MediaService(...)`. */
  createService?: (opts: { roots: string[]; runner: FfmpegRunnerOptions }) => MediaService;
}

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/** One reply; a `MediaError` becomes a `MediaReplyError`, anything else (a bug) crashes the actor. */
async function answer(s: MediaService, msg: MediaMsg): Promise<MediaReplies[MediaMsg["type"]]> {
  try {
    switch (msg?.type) {
      case "voice_note":
        if (!isBytes(msg.bytes)) throw new MediaError("unsupported_input", "voice_note needs `bytes` (Uint8Array)");
        return { ...(await s.voiceNote(msg.bytes)), fileName: msg.fileName };
      case "voice_note_file":
        return await s.voiceNoteFromFile(msg.path);
      case "probe":
        if (!isBytes(msg.bytes)) throw new MediaError("unsupported_input", "probe needs `bytes` (Uint8Array)");
        return await s.probe(msg.bytes);
      case "read_file":
        return await s.readSendableFile(msg.path, { asSticker: msg.asSticker });
      case "view":
        if (!isBytes(msg.bytes)) throw new MediaError("unsupported_input", "view needs `bytes` (Uint8Array)");
        return await s.view(msg.bytes, msg.hint ?? {}, msg.options);
      default:
        throw new MediaError("unsupported_input", `Unknown media message type ${JSON.stringify((msg as { type?: unknown })?.type)}`);
    }
  } catch (e) {
    if (e instanceof MediaError) throw new MediaReplyError(e.code, e.message, { cause: e });
    throw e;
  }
}

/** The behavior for `worker("media", () => mediaBehavior(opts))`. */
export function mediaBehavior(opts: MediaActorOptions): Behavior<MediaMsg> {
  let service: MediaService | undefined;
  return {
    start(ctx: ActorContext<MediaMsg>) {
      const runner: FfmpegRunnerOptions = { clock: ctx.clock, ...opts.runner };
      service = (opts.createService ?? ((o) => new MediaService(o)))({ roots: opts.roots, runner });
      // Whatever stops this incarnation also stops its worker.
      const s = service;
      ctx.signal.addEventListener("abort", () => void s.close(), { once: true });
    },
    receive(msg: MediaMsg) {
      return deferReply(answer(service!, msg));
    },
    async stop() {
      await service?.close();
      service = undefined;
    },
  };
}
