/**
 * The `waveform` of a WhatsApp voice note: 64 bytes, each 0..100, the loudness of one sixty-fourth
 * of the recording, scaled so the loudest part is 100. Computed from decoded PCM (pure).
 */

/** Number of values WhatsApp expects. */
export const WAVEFORM_BUCKETS = 64;

// Below this RMS (about -60 dBFS) the loudest bucket is not stretched to 100: near-silence stays
// near zero instead of turning hiss into a full-height waveform.
const QUIET_FLOOR = 0.001;

/**
 * Loudness envelope of mono PCM: RMS per bucket, normalised to 0..100.
 * `samples` are s16 (Int16Array) or float (Float32Array, full scale ±1). Empty input gives zeros.
 */
export function computeWaveform(samples: Int16Array | Float32Array, buckets: number = WAVEFORM_BUCKETS): Uint8Array {
  const out = new Uint8Array(buckets);
  const n = samples.length;
  if (n === 0 || buckets <= 0) return out;
  const scale = samples instanceof Int16Array ? 1 / 32768 : 1;
  const rms = new Float64Array(buckets);
  for (let i = 0; i < buckets; i++) {
    let start = Math.floor((i * n) / buckets);
    let end = Math.floor(((i + 1) * n) / buckets);
    // Fewer samples than buckets: each bucket takes the sample it falls on.
    if (end <= start) {
      start = Math.min(start, n - 1);
      end = start + 1;
    }
    let sum = 0;
    for (let j = start; j < end; j++) {
      const v = samples[j]! * scale;
      sum += v * v;
    }
    rms[i] = Math.sqrt(sum / (end - start));
  }
  let max = 0;
  for (const v of rms) if (v > max) max = v;
  const norm = Math.max(max, QUIET_FLOOR);
  for (let i = 0; i < buckets; i++) out[i] = Math.min(100, Math.round((rms[i]! / norm) * 100));
  return out;
}

/** Views little-endian s16 PCM bytes as samples (copies if the bytes are unaligned or the host is big-endian). */
export function pcmS16leToSamples(bytes: Uint8Array): Int16Array {
  const count = bytes.length >> 1;
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (littleEndian && bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, count);
  const out = new Int16Array(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = dv.getInt16(i * 2, true);
  return out;
}
