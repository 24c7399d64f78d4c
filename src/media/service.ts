/**
 * The media API the MCP tools use: voice notes, probing, reading files for `send_file` under the
 * root policy, and names for downloads. Owns one ffmpeg runner; `close()` stops it.
 */
import { FfmpegRunner, type FfmpegRunnerOptions, type FfmpegRunnerStats } from "./ffmpeg/runner.ts";
import type { FfmpegExec } from "./ffmpeg/protocol.ts";
import { readSendableFile, readVoiceSourceFile, type SendableFile } from "./files.ts";
import { safeDownloadName } from "./download_name.ts";
import { probeMedia, type MediaProbe } from "./probe.ts";
import { makeVoiceNote, type VoiceNote, type VoiceNoteOptions } from "./voice_note.ts";
import { MediaError } from "./errors.ts";
import type { Transcriber } from "./transcribe.ts";
import type { MediaView, ViewOptions } from "./view/types.ts";
import { type ViewEngine, type ViewHint, viewMedia } from "./view/view.ts";

type Executor = FfmpegExec & { close?(): Promise<void>; stats?(): FfmpegRunnerStats; pdfText?: ViewEngine["pdfText"] };

/** Configuration of the media service. */
export interface MediaServiceOptions {
  /** Folders files may be sent from (checked after resolving symlinks). Empty = sending files is disabled. */
  roots: string[];
  /** Runner tuning (queue bound, time limits...). Ignored if `ffmpeg` is given. */
  runner?: FfmpegRunnerOptions;
  /** An ffmpeg executor to use instead of creating a runner (tests of callers). */
  ffmpeg?: Executor;
  /** Speech-to-text for voice notes in `view` (none by default). */
  transcriber?: Transcriber | null;
}

/** Media operations (see the file comment). Every failure the caller can act on is a `MediaError`. */
export class MediaService {
  private readonly ffmpeg: Executor;
  private readonly roots: string[];
  private readonly transcriber: Transcriber | null;

  constructor(opts: MediaServiceOptions) {
    this.roots = [...opts.roots];
    this.ffmpeg = opts.ffmpeg ?? new FfmpegRunner(opts.runner);
    this.transcriber = opts.transcriber ?? null;
  }

  /** Renders an attachment for a model (see `viewMedia`). */
  view(bytes: Uint8Array, hint: ViewHint, opts: ViewOptions, call: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<MediaView> {
    const ff = this.ffmpeg;
    const engine: ViewEngine = {
      run: (job) => ff.run(job),
      pdfText: (b, o) => ff.pdfText ? ff.pdfText(b, o) : Promise.reject(new MediaError("unsupported_input", "PDF text is not available in this media executor")),
    };
    return viewMedia(bytes, hint, opts, engine, { ...call, transcriber: this.transcriber });
  }

  /** Converts audio bytes (any supported format, detected from content) to a WhatsApp voice note. */
  voiceNote(bytes: Uint8Array, opts?: VoiceNoteOptions): Promise<VoiceNote> {
    return makeVoiceNote(bytes, this.ffmpeg, opts);
  }

  /** Reads an audio file inside the roots and converts it to a voice note (`send_audio_message`). */
  async voiceNoteFromFile(path: string, opts?: VoiceNoteOptions): Promise<VoiceNote & { fileName: string }> {
    const { bytes, fileName } = await readVoiceSourceFile(path, this.roots);
    return { ...(await makeVoiceNote(bytes, this.ffmpeg, opts)), fileName };
  }

  /** Type, duration, streams of some bytes. */
  probe(bytes: Uint8Array, opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<MediaProbe> {
    return probeMedia(bytes, this.ffmpeg, opts);
  }

  /** Reads a file for `send_file` (roots, size caps, kind from content). */
  readSendableFile(path: string, opts?: { asSticker?: boolean }): Promise<SendableFile> {
    return readSendableFile(path, this.roots, opts);
  }

  /** Safe, deterministic local file name for a downloaded attachment. */
  downloadName(chatJid: string, messageId: string, mimetype: string, senderFileName?: string): string {
    return safeDownloadName(chatJid, messageId, mimetype, senderFileName);
  }

  /** The configured roots. */
  allowedRoots(): readonly string[] {
    return this.roots;
  }

  /** Runner counters, if the executor has them. */
  stats(): FfmpegRunnerStats | undefined {
    return this.ffmpeg.stats?.();
  }

  /** Stops the ffmpeg worker; pending jobs fail with `closed`. */
  async close(): Promise<void> {
    await this.ffmpeg.close?.();
  }
}
