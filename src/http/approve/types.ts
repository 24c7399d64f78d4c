/**
 * What the approval page needs: held sends ready to show, and approve/decline. Implemented by the
 * MCP layer (src/mcp/held/approvals.ts); the page only renders and forwards the user's decision.
 */

/** One held send as the page shows it. Texts are already made visible (hidden characters shown, whitespace runs collapsed). */
export interface HeldSendView {
  id: string;
  status: "waiting" | "sending" | "sent" | "declined" | "expired" | "failed";
  /** e.g. "Send this WhatsApp message". */
  action: string;
  /** The approve button's label when it is not "Approve and send" (a scheduled send: "Approve and schedule"). */
  approveLabel?: string;
  recipient: { kind: "person" | "group"; name: string | null; nameSource: string | null; phone: string | null; jid: string };
  /** Why the user is asked ("it contains text from your chat with Alice", "first contact"...). */
  reason: string;
  /** Who asked: the MCP client and its session. */
  session: string | null;
  createdAt: number;
  expiresAt: number;
  /** The exact text as the dialog shows it, or null (no text). */
  text: string | null;
  /** Characters and lines of the raw text. */
  textChars: number;
  textLines: number;
  mentions: string[];
  quotedId: string | null;
  attachments: Array<{ index: number; name: string; kind: string; bytes: number; seconds?: number; image: boolean }>;
  messageId: string | null;
  detail: string | null;
}

/** The outcome of the user's decision. */
export type ApprovalResult =
  | { ok: true; status: "sent" | "declined"; messageId?: string; scheduledFor?: string }
  | { ok: false; status: string; message: string };

/** The held sends, for the page. */
export interface ApprovalsPort {
  /** Waiting sends first (oldest first), then the most recent decided ones. */
  list(): Promise<HeldSendView[]>;
  get(id: string): Promise<HeldSendView | null>;
  /** How many sends wait now. */
  waiting(): Promise<number>;
  approve(id: string): Promise<ApprovalResult>;
  decline(id: string): Promise<ApprovalResult>;
  /** An image attachment's bytes for the thumbnail, only while they still match the held hash. */
  attachment(id: string, index: number): Promise<{ bytes: Uint8Array; mimetype: string } | null>;
}
