/**
 * The WhatsApp link as tools report it: read tools keep answering from the store and add a note
 * when the link is down; tools that need WhatsApp refuse with a sentence saying what to do.
 */
import type { LinkStatus } from "../whatsapp/protocol.ts";
import type { ToolDeps } from "./deps.ts";

/** The link status, or null when the connection actor cannot be asked (it is restarting). */
export async function readLinkStatus(deps: Pick<ToolDeps, "whatsapp">): Promise<LinkStatus | null> {
  try {
    return await deps.whatsapp.status();
  } catch {
    return null;
  }
}

/** Where the user links the account. */
export function qrUrl(statusUrl: string | null): string | null {
  return statusUrl ? `${statusUrl.replace(/\/+$/, "")}/qr` : null;
}

/**
 * Why WhatsApp cannot be used now, or null when the link is open. The first sentence is the
 * one users search for: "WhatsApp is not linked yet: open http://127.0.0.1:8080/qr".
 */
export function linkProblem(status: LinkStatus | null, statusUrl: string | null): string | null {
  if (status?.state === "open") return null;
  const qr = qrUrl(statusUrl);
  const open = qr ? `open ${qr}` : "start the server with its status page enabled (--http) and open /qr";
  if (!status) return "WhatsApp connection is restarting; try again in a moment.";
  switch (status.state) {
    case "starting":
      // The connection's code is still loading (the first seconds after start): nothing is known yet.
      if (!status.me) return "WhatsApp is starting; try again in a moment.";
      return `WhatsApp is disconnected (${status.state}); try again shortly.`;
    case "qr":
    case "pairing_code":
      return `WhatsApp is not linked yet: ${open} to link this server as a device.`;
    case "logged_out":
      return `WhatsApp was logged out (the device was unlinked): ${open} to link it again.`;
    case "replaced":
      return "WhatsApp is disconnected: another WhatsApp Web session on this account took over. Restart the server to reconnect.";
    case "connecting":
    case "reconnecting":
    case "stopped":
      if (!status.me) return `WhatsApp is not linked yet: ${open} to link this server as a device.`;
      return `WhatsApp is disconnected (${status.state}${status.reconnectAttempt > 0 ? `, attempt ${status.reconnectAttempt}` : ""}); try again shortly.`;
    default:
      return `WhatsApp is not connected (${String(status.state)}).`;
  }
}

/** The note read tools append when the link is down, or null. */
export function readNotice(status: LinkStatus | null, statusUrl: string | null): string | null {
  const p = linkProblem(status, statusUrl);
  return p ? `Note: ${p} These results come from the local copy and may be out of date.` : null;
}
