/**
 * Speech to text for voice notes, behind one small interface, so an engine can be plugged in
 * (`WHATSAPP_MCP_TRANSCRIBE`) without touching the rest. None ships today: see the README's
 * "Voice-note transcription" section for what was tried and why.
 */

/** A local speech-to-text engine. */
export interface Transcriber {
  /** Engine name, for the result and the status page. */
  readonly name: string;
  /** Text of mono PCM (`samples` at `rate` Hz). Throws when it cannot. */
  transcribe(samples: Int16Array, rate: number, opts?: { signal?: AbortSignal }): Promise<string>;
}

/** Why a configured engine is not available, or null when none is configured (pure). */
export function transcriberProblem(setting: string | undefined): string | null {
  const v = (setting ?? "").trim();
  if (v === "" || v === "off" || v === "none") return null;
  return `WHATSAPP_MCP_TRANSCRIBE=${JSON.stringify(v.slice(0, 40))}: no transcription engine is built in yet (a pure-WASM engine and its weights are needed); voice notes are shown as duration and waveform only`;
}
