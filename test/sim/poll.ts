/**
 * Polls as WhatsApp encodes them: a poll creation message with a fresh messageSecret, and votes
 * (pollUpdateMessage) encrypted the way WhatsApp Web does and Baileys' `decryptPollVote` undoes:
 * HMAC-SHA256 key derivation from the secret over (poll id, creator, voter, "Poll Vote"),
 * AES-256-GCM with "<poll id>\0<voter>" as additional data, over a PollVoteMessage holding the
 * SHA-256 of each chosen option's name.
 */
import { createCipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import { proto } from "@whiskeysockets/baileys";

/** A poll as its creator knows it. */
export interface SimPoll {
  readonly id: string;
  /** The creator's JID as bound into vote keys (phone-number JID). */
  readonly creatorJid: string;
  readonly secret: Uint8Array;
  readonly options: readonly string[];
}

/** The content of a new poll and its secret. */
export function pollCreation(question: string, options: readonly string[], selectableCount = 1): { message: proto.IMessage; secret: Uint8Array } {
  const secret = new Uint8Array(randomBytes(32));
  return {
    secret,
    message: {
      messageContextInfo: { messageSecret: secret },
      pollCreationMessage: { name: question, options: options.map((optionName) => ({ optionName })), selectableOptionsCount: selectableCount },
    },
  };
}

/** An encrypted vote for `chosen` (option names) by `voterJid` on `poll`. */
export function encryptPollVote(poll: SimPoll, voterJid: string, chosen: readonly string[]): proto.Message.IPollEncValue {
  const plain = proto.Message.PollVoteMessage.encode({
    selectedOptions: chosen.map((o) => createHash("sha256").update(Buffer.from(o)).digest()),
  }).finish();
  const sign = Buffer.concat([Buffer.from(poll.id), Buffer.from(poll.creatorJid), Buffer.from(voterJid), Buffer.from("Poll Vote"), Buffer.from([1])]);
  const key0 = createHmac("sha256", Buffer.alloc(32)).update(poll.secret).digest();
  const key = createHmac("sha256", key0).update(sign).digest();
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(`${poll.id}\u0000${voterJid}`));
  const enc = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return { encPayload: enc, encIv: iv };
}
