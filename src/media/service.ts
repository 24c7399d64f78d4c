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

/** Configuration of the media service. */
export interface MediaServiceOptions {
  /** Folders files may be sent from (checked after resolving symlinks). Empty = sending files is disabled. */
  roots: string[];
  /** Runner tuning (queue bound, time limits...). Ignored if `ffmpeg` is given. */
  runner?: FfmpegRunnerOptions;
  /** An ffmpeg executor to use instead of creating a runner (tests of callers). */
  ffmpeg?: FfmpegExec & { close?(): Promise<void>; stats?(): FfmpegRunnerStats };
}

/** Media operations (see the file comment). Every failure the caller can act on is a `MediaError`. */
export class MediaService {
  private readonly ffmpeg: FfmpegExec & { close?(): Promise<void>; stats?(): FfmpegRunnerStats };
  private readonly roots: string[];

  constructor(opts: MediaServiceOptions) {
    this.roots = [...opts.roots];
    this.ffmpeg = opts.ffmpeg ?? new FfmpegRunner(opts.runner);
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
