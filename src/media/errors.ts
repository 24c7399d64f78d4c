import { UserError } from "../user_error.ts";

/** Why a media operation was refused or failed; callers (MCP tools) can branch on it. */
export type MediaErrorCode =
  | "unsupported_input" // not audio / not a file kind we can send
  | "no_audio_stream" // a container without audio
  | "too_large" // over a size cap
  | "outside_roots" // send_file path not inside a configured root
  | "not_found" // path missing or not a regular file
  | "queue_full" // too many media jobs waiting
  | "timeout" // a job ran past its time limit
  | "worker_crashed" // the ffmpeg worker died during the job
  | "ffmpeg_failed" // ffmpeg ran and reported an error
  | "wasm_unavailable" // ffmpeg.wasm could not be loaded
  | "aborted" // the caller cancelled
  | "closed"; // the media service was shut down

/** A media operation failed for a reason the caller can act on; the message says what and why. */
export class MediaError extends UserError {
  override name = "MediaError";
  declare readonly code: MediaErrorCode;
  constructor(code: MediaErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** ffmpeg ran and failed; `log` holds the end of its output (for diagnosis, never shown raw to users). */
export class FfmpegFailedError extends MediaError {
  override name = "FfmpegFailedError";
  constructor(message: string, readonly exitCode: number, readonly log: string) {
    super("ffmpeg_failed", message);
  }
}
