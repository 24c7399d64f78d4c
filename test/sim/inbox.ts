/** What a simulated party decrypted from the client under test, with waiting helpers. */
import type { proto } from "@whiskeysockets/baileys";

/** One message a simulated party received and decrypted. */
export interface ReceivedMessage {
  /** Stanza id (the client's message id). */
  readonly id: string;
  /** The `to` of the client's stanza: a user JID for 1:1, a group JID for groups. */
  readonly to: string;
  /** Sender device JID (the client's companion device). */
  readonly from: string;
  /** Group JID for group messages. */
  readonly group?: string;
  /** Ciphertext type the party decrypted (`skmsg` for the group payload). */
  readonly encType: "pkmsg" | "msg" | "skmsg";
  /** The decrypted message (for the primary phone: the inner message of a deviceSentMessage). */
  readonly message: proto.IMessage;
  /** Convenience: the text or caption, if any. */
  readonly text?: string;
}

/** Extracts the human text of a message (conversation, extended text or media caption). */
export function messageText(m: proto.IMessage | null | undefined): string | undefined {
  if (!m) return undefined;
  return (
    m.conversation ??
    m.extendedTextMessage?.text ??
    m.imageMessage?.caption ??
    m.videoMessage?.caption ??
    m.documentMessage?.caption ??
    m.ephemeralMessage?.message?.conversation ??
    m.ephemeralMessage?.message?.extendedTextMessage?.text ??
    undefined
  );
}

/** Thrown when an awaited simulator condition did not happen in time. */
export class SimTimeoutError extends Error {
  override name = "SimTimeoutError";
}

/** A list of received messages that can be awaited. */
export class Inbox {
  private readonly items: ReceivedMessage[] = [];
  private waiters: Array<{ pred: (m: ReceivedMessage) => boolean; resolve: (m: ReceivedMessage) => void }> = [];

  /** Adds a message and wakes matching waiters. */
  push(m: ReceivedMessage): void {
    this.items.push(m);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(m)) return true;
      w.resolve(m);
      return false;
    });
  }

  /** Everything received so far, oldest first. */
  all(): ReceivedMessage[] {
    return [...this.items];
  }

  /** Resolves with the first message (already received or future) matching `pred`. */
  waitFor(pred: (m: ReceivedMessage) => boolean = () => true, timeoutMs = 10_000, what = "a message"): Promise<ReceivedMessage> {
    const found = this.items.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise<ReceivedMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new SimTimeoutError(`Timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (m: ReceivedMessage) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }
}
