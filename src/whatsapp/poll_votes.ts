/**
 * Live poll votes arrive as pollUpdateMessages encrypted with the poll's messageSecret (Baileys
 * 7.0.0-rc14 no longer decrypts them). Before a batch is mapped, the sync actor decrypts each
 * vote with the secret of its poll, found in the same batch or in the store. Which JIDs the
 * sender bound into the key (phone number or LID, of the poll's creator and of the voter) is not
 * announced, so every known form is tried: AES-GCM's tag says which one is right, and a vote that
 * matches none is not stored (nothing is guessed).
 */
import { decryptPollVote, jidNormalizedUser, normalizeMessageContent } from "@whiskeysockets/baileys";
import type { BaileysEventMap, proto, WAMessage, WAMessageKey } from "@whiskeysockets/baileys";
import type { PollRow } from "../store/types.ts";
import { canonicalChat, type DecryptedVote, type MapContext } from "../ids/canonical.ts";
import { jidOf } from "../ids/jid.ts";
import { optionNames, pollOf, voteKey } from "./mapping/polls.ts";

/** Finds a stored poll (its options and secret) by canonical chat and message id. */
export type PollLookup = (chatJid: string, id: string) => Promise<Pick<PollRow, "options" | "secret"> | null>;

/** The decrypted live votes of a batch, by `voteKey(chat, vote id)`, and how many could not be opened. */
export async function decryptVotes(
  events: Partial<BaileysEventMap>,
  ctx: MapContext,
  lookup: PollLookup,
): Promise<{ votes: Map<string, DecryptedVote>; failed: number }> {
  const votes = new Map<string, DecryptedVote>();
  const upserted = events["messages.upsert"]?.messages ?? [];
  const withVotes = upserted.filter((m) => !!normalizeMessageContent(m.message)?.pollUpdateMessage);
  if (withVotes.length === 0) return { votes, failed: 0 };
  // Polls created in this very batch (or its history) are not in the store yet.
  const fresh = new Map<string, Pick<PollRow, "options" | "secret">>();
  for (const m of [...upserted, ...(events["messaging-history.set"]?.messages ?? [])]) {
    const p = pollOf(m.message);
    const chat = m.key?.remoteJid ? canonicalChat(m.key.remoteJid, m.key.remoteJidAlt, ctx) : null;
    if (p && chat && m.key.id) fresh.set(voteKey(chat, m.key.id), p);
  }
  let failed = 0;
  for (const m of withVotes) {
    const update = normalizeMessageContent(m.message)!.pollUpdateMessage!;
    const target = update.pollCreationMessageKey;
    const chat = m.key.remoteJid ? canonicalChat(m.key.remoteJid, m.key.remoteJidAlt, ctx) : null;
    if (!target?.id || !chat || !m.key.id || !update.vote?.encPayload || !update.vote.encIv) {
      failed++;
      continue;
    }
    const poll = fresh.get(voteKey(chat, target.id)) ?? await lookup(chat, target.id).catch(() => null);
    const options = poll?.secret ? openVote(update.vote, target, m, poll.secret, ctx) : null;
    if (!options || !poll) {
      failed++;
      continue;
    }
    votes.set(voteKey(chat, m.key.id), { pollId: target.id, options: optionNames(poll.options, options) });
  }
  return { votes, failed };
}

/** The chosen option hashes, or null when no form of the creator's and voter's JIDs opens the vote. */
function openVote(
  vote: proto.Message.IPollEncValue,
  creationKey: proto.IMessageKey,
  voteMsg: WAMessage,
  secret: Uint8Array,
  ctx: MapContext,
): Uint8Array[] | null {
  const creators = forms(creationKey.fromMe ? [ctx.meId, ctx.meLid] : authorsOf(creationKey), ctx);
  const voters = forms(voteMsg.key.fromMe ? [ctx.meId, ctx.meLid] : authorsOf(voteMsg.key), ctx);
  for (const pollCreatorJid of creators) {
    for (const voterJid of voters) {
      try {
        const plain = decryptPollVote(vote as { encPayload: Uint8Array; encIv: Uint8Array }, {
          pollCreatorJid,
          pollMsgId: creationKey.id!,
          pollEncKey: secret,
          voterJid,
        });
        return (plain.selectedOptions ?? []).map((o) => new Uint8Array(o));
      } catch {
        // Wrong pair of JIDs (the tag does not match): try the next.
      }
    }
  }
  return null;
}

/** Who a key names as author: the participant in groups, else the chat. */
function authorsOf(key: proto.IMessageKey | WAMessageKey): Array<string | null | undefined> {
  const k = key as WAMessageKey;
  return [k.participant, k.participantAlt, k.remoteJid, k.remoteJidAlt];
}

/** Every normalized form of the given JIDs (device stripped; phone JID and LID both where known). */
function forms(jids: Array<string | null | undefined>, ctx: MapContext): string[] {
  const out = new Set<string>();
  for (const j of jids) {
    const n = jidOf(j);
    if (!n || n.endsWith("@g.us")) continue;
    out.add(jidNormalizedUser(n));
    const pn = ctx.lidToPn.get(n);
    if (pn) out.add(pn);
    if (n.endsWith("@s.whatsapp.net")) for (const [lid, p] of ctx.lidToPn) if (p === n) out.add(lid);
  }
  return [...out];
}
