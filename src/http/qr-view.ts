/**
 * What the QR page shows for a link status: the QR as SVG while WhatsApp offers one, the
 * pairing code when one was requested, and the account once linked. Pure.
 */
import type { LinkStatus } from "../status/types.ts";
import { qrSvg } from "./qr-svg.ts";
import { accountNumber, badgeFor } from "./status-view.ts";
import type { Badge } from "./status-view.ts";

/** The QR page's state, also the body of `/api/qr`. */
export interface QrView {
  badge: Badge;
  linked: boolean;
  /** The current QR code as inline SVG, or null when WhatsApp offers none right now. */
  svg: string | null;
  /** The pairing code to type on the phone ("ABCD-1234"), when one is pending. */
  pairingCode: string | null;
  account: { name: string | null; number: string } | null;
  /** Whether asking for a pairing code makes sense now (not linked, connection reachable). */
  canPair: boolean;
}

/** "ABCD1234" -> "ABCD-1234" (how WhatsApp shows it); other shapes unchanged. */
export function formatPairingCode(code: string): string {
  const c = code.replace(/[\s-]/g, "").toUpperCase();
  return c.length === 8 ? `${c.slice(0, 4)}-${c.slice(4)}` : c;
}

/** Builds the view; `link` null means the connection actor did not answer. */
export function qrView(link: LinkStatus | null): QrView {
  const linked = link?.state === "open";
  return {
    badge: badgeFor(link),
    linked,
    svg: !linked && link?.qr ? qrSvg(link.qr) : null,
    pairingCode: !linked && link?.pairingCode ? formatPairingCode(link.pairingCode) : null,
    account: link?.me ? { name: link.me.pushName, number: accountNumber(link.me.id) } : null,
    canPair: link !== null && !linked && link.state !== "stopped" && link.state !== "replaced",
  };
}
