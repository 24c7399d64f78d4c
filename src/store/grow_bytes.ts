/**
 * Growth rule of the binary writers (the journal codec, PostgreSQL's COPY encoder): a buffer that
 * must take `need` more bytes after `used` doubles until it fits, keeping what was written.
 */
export function grownBuffer<B extends ArrayBufferLike>(buf: Uint8Array<B>, used: number, need: number): Uint8Array<B> | Uint8Array<ArrayBuffer> {
  if (used + need <= buf.length) return buf;
  let size = buf.length * 2;
  while (size < used + need) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, used));
  return next;
}
