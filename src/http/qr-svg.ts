/**
 * Renders a QR payload as an inline SVG, locally (the login QR grants the right to link an
 * account: it must never be sent to an outside QR service).
 */
import { encode } from "uqr";

/**
 * The QR code for `text` as a standalone `<svg>`: one path of horizontal runs (small, and no
 * hairline seams between modules when scaled), a quiet zone of 2 modules, crisp edges.
 */
export function qrSvg(text: string, opts: { title?: string } = {}): string {
  const qr = encode(text, { ecc: "M", border: 2 });
  const n = qr.size;
  let d = "";
  for (let y = 0; y < n; y++) {
    const row = qr.data[y]!;
    let x = 0;
    while (x < n) {
      if (!row[x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < n && row[x]) x++;
      d += `M${start} ${y}h${x - start}v1h-${x - start}z`;
    }
  }
  const title = opts.title ? `<title>${opts.title.replace(/[<>&"]/g, "")}</title>` : "";
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n} ${n}" shape-rendering="crispEdges" role="img" aria-label="WhatsApp login QR code">${title}<rect width="${n}" height="${n}" fill="#fff"/><path fill="#000" d="${d}"/></svg>`;
}
