/**
 * The store bench's synthetic history, deterministic from its seed: the world (people, chats,
 * groups, the vocabulary) and the messages, each with its real encoded WebMessageInfo as raw
 * (see message_proto.ts) and some reactions. Generated again from the same seed, it gives the
 * same messages: the bench writes them once into the store and once into the original's schema.
 */
import type { ChatKind, MessageRow, MessageType, WriteOp } from "../store/types.ts";
import { messageProtoOf } from "./message_proto.ts";

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Zipf(s) sampler over ranks 0..n-1. */
export function zipf(n: number, s: number, rnd: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / Math.pow(k + 1, s);
    cdf[k] = sum;
  }
  return () => {
    const x = rnd() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export const COMMON = [
  "the", "you", "and", "to", "i", "it", "a", "is", "that", "ok", "yes", "no", "we", "me", "this", "for", "in", "on",
  "what", "haha", "are", "do", "have", "be", "not", "can", "just", "so", "but", "with", "at", "will", "all", "now",
  "good", "time", "see", "tomorrow", "today", "here", "there", "know", "think", "love", "thanks", "please", "call",
];
const LATIN = ["ka", "lo", "mi", "ren", "tas", "vo", "bri", "del", "fen", "gor", "hul", "jin", "mar", "nes", "pol", "qui", "sar", "tem", "ul", "zen"];
const ACCENTED = ["café", "crème", "über", "señor", "façade", "naïve", "São", "Zürich", "déjà", "smörgås"];
const CYRILLIC = ["при", "вет", "как", "дела", "мос", "ква", "зав", "тра", "хо", "рошо"];
const ARABIC = ["مر", "حبا", "كيف", "حال", "شكر", "ان", "يوم", "غد"];
const CJK = ["東", "京", "北", "海", "明", "日", "会", "見", "話", "電"];

/** The vocabulary: common words first, then generated words; one in ten non-ASCII. */
export function vocabulary(size: number, rnd: () => number): string[] {
  const words = [...COMMON];
  const seen = new Set(words);
  const pick = (list: string[]) => list[Math.floor(rnd() * list.length)]!;
  while (words.length < size) {
    const i = words.length;
    let w: string;
    if (i % 10 === 3) w = pick(ACCENTED) + pick(LATIN);
    else if (i % 10 === 6) w = pick(CYRILLIC) + pick(CYRILLIC) + pick(CYRILLIC);
    else if (i % 20 === 9) w = pick(ARABIC) + pick(ARABIC);
    else if (i % 20 === 19) w = pick(CJK) + pick(CJK) + pick(CJK);
    else w = pick(LATIN) + pick(LATIN) + pick(LATIN) + (rnd() < 0.3 ? pick(LATIN) : "");
    if (seen.has(w)) w += String(i % 97);
    if (seen.has(w)) continue;
    seen.add(w);
    words.push(w);
  }
  return words;
}

export interface ChatPlan {
  jid: string;
  kind: ChatKind;
  members: string[];
}

export const FIRST = ["Anna", "Ben", "Chloé", "Dmitri", "Élodie", "Fatima", "Gustav", "Hana", "Ivan", "José", "Kai", "Léa", "Mehmet", "Nadia", "Olga", "Pedro", "Qiu", "Rania", "Søren", "Tomás"];
const LAST = ["Müller", "Smith", "Иванов", "García", "Rossi", "Nguyen", "Kowalski", "Haddad", "Sato", "Dubois", "Öztürk", "Silva"];

/** Image thumbnails (JPEG, incompressible): 700 to 1500 bytes, an assumption of what WhatsApp sends. */
const RAW_THUMBNAIL_MIN = 700;
const RAW_THUMBNAIL_SPREAD = 800;

function hex(rnd: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(rnd() * 16).toString(16).toUpperCase();
  return s;
}

function bytes(rnd: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

/** The world a history happens in: the setup ops (people, chats, groups) and what the messages draw from. */
export interface World {
  rnd: () => number;
  vocab: string[];
  nextWord: () => number;
  setup: WriteOp[];
  chats: ChatPlan[];
  /** Draws a chat index (Zipf-active chats). */
  nextChat: () => number;
  me: string;
}

/** Builds the world of a history of `nChats` chats and `contacts` address-book entries. */
export function makeWorld(nChats: number, contacts: number, seed = 20250115): World {
  const rnd = prng(seed);
  // --- the world: people, chats, groups ---
  const vocab = vocabulary(30_000, rnd);
  const nextWord = zipf(vocab.length, 1.07, rnd);
  const nGroups = Math.max(1, Math.round(nChats / 10));
  const people: string[] = [];
  const setup: WriteOp[] = [];
  const me = "4917000000000@s.whatsapp.net";
  const personCount = nChats - nGroups + Math.max(50, nChats);
  for (let i = 0; i < personCount; i++) {
    const jid = `49151${String(10_000_000 + i)}@s.whatsapp.net`;
    people.push(jid);
    const name = `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]} ${i}`;
    setup.push({ op: "upsertPerson", person: { pnJid: jid, pushName: name, savedName: i % 3 === 0 ? name : null } });
  }
  // Address-book entries nobody chats with (no random draws: the history stays the same).
  for (let i = personCount; i < contacts; i++) {
    const jid = `49152${String(10_000_000 + i)}@s.whatsapp.net`;
    const name = `${FIRST[i % FIRST.length]} ${LAST[(i * 5) % LAST.length]} ${i}`;
    setup.push({ op: "upsertPerson", person: { pnJid: jid, pushName: name, savedName: i % 2 === 0 ? name : null } });
  }
  const chats: ChatPlan[] = [];
  for (let i = 0; i < nChats; i++) {
    if (i % 10 === 5) {
      const jid = `1203630${String(10_000_000_000 + i)}@g.us`;
      const size = 5 + Math.floor(rnd() * 55);
      const members = Array.from({ length: size }, () => people[Math.floor(rnd() * people.length)]!);
      chats.push({ jid, kind: "group", members });
      setup.push({ op: "upsertChat", chat: { jid, name: `Group ${vocab[100 + i]} ${i}` } });
      setup.push({
        op: "setParticipants",
        groupJid: jid,
        mode: "replace",
        participants: [...new Set(members)].map((personId, k) => ({ personId, admin: k === 0 ? "superadmin" as const : null })),
      });
    } else {
      const jid = people[i]!;
      chats.push({ jid, kind: "person", members: [jid] });
      setup.push({ op: "upsertChat", chat: { jid } });
    }
  }
  // Shuffle so that the busiest chats (low Zipf ranks) are a mix of groups and people.
  for (let i = chats.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [chats[i], chats[j]] = [chats[j]!, chats[i]!];
  }
  const nextChat = zipf(chats.length, 0.9, rnd);
  return { rnd, vocab, nextWord, setup, chats, nextChat, me };
}

/** One generated message and what comes with it. */
export interface HistoryItem {
  /** The message's ops: its upsert, and a reaction to it now and then. */
  ops: WriteOp[];
  message: MessageRow;
}

/**
 * The `total` messages of the history, in time order over three years from 2023. `samples`
 * receives one (chat, id) per thousandth of the history (the quoted messages come from it).
 */
export function* history(w: World, total: number, samples: Array<{ chat: string; id: string }>): Generator<HistoryItem> {
  const { rnd, vocab, nextWord, chats, nextChat, me } = w;
  const start = Date.parse("2023-01-01T00:00:00Z");
  const span = 3 * 365 * 24 * 3600 * 1000;
  const step = span / total;
  for (let i = 0; i < total; i++) {
    const chat = chats[nextChat()]!;
    const fromMe = rnd() < 0.4;
    const sender = fromMe ? me : chat.members[Math.floor(rnd() * chat.members.length)]!;
    const ts = Math.floor((start + i * step + rnd() * step) / 1000) * 1000; // WhatsApp: whole seconds
    const id = `3EB0${hex(rnd, 16)}`;
    const r = rnd();
    let type: MessageType = "text";
    let text: string | null = null;
    let media: MessageRow["media"] = null;
    const sentence = () => {
      const len = 1 + Math.floor(-Math.log(1 - rnd()) * 7);
      const words: string[] = [];
      for (let k = 0; k < len; k++) words.push(vocab[nextWord()]!);
      if (rnd() < 0.005) words.splice(Math.floor(rnd() * words.length), 0, "see", "you", "tomorrow");
      return words.join(" ");
    };
    if (r < 0.85) text = sentence();
    else {
      type = r < 0.93 ? "image" : r < 0.96 ? "document" : r < 0.98 ? "voice" : "sticker";
      if (type === "image" && rnd() < 0.5) text = sentence();
      const fileName = type === "document" ? `Report_${vocab[nextWord()]}_${i % 1000}.pdf` : null;
      if (type === "document") text = fileName;
      media = {
        mimetype: type === "image" ? "image/jpeg" : type === "document" ? "application/pdf" : type === "voice" ? "audio/ogg; codecs=opus" : "image/webp",
        fileName,
        fileLength: 10_000 + Math.floor(rnd() * 2_000_000),
        durationSec: type === "voice" ? 1 + Math.floor(rnd() * 120) : null,
        directPath: `/v/t62.7118-24/${hex(rnd, 24)}`,
        url: null,
        mediaKey: bytes(rnd, 32),
        fileSha256: bytes(rnd, 32),
        fileEncSha256: bytes(rnd, 32),
        mediaKeyTimestamp: ts, // milliseconds, as the mapping stores it
      };
      media.url = `https://mmg.whatsapp.net${media.directPath}?ccb=11-4&oh=01_${hex(rnd, 40)}&oe=${hex(rnd, 8)}&_nc_sid=5e03e0&mms3=true`;
    }
    const message: MessageRow = {
      chatJid: chat.jid,
      id,
      senderId: sender,
      fromMe,
      ts,
      type,
      text,
      quotedId: rnd() < 0.05 && samples.length ? samples[samples.length - 1]!.id : null,
      editedText: null,
      editedAt: null,
      revoked: false,
      viewOnce: false,
      status: fromMe ? 4 : null,
      media,
      raw: null,
    };
    // Live deliveries carry a message secret and device list hash; a third of the history does.
    const live = rnd() < 0.33;
    message.raw = messageProtoOf(message, {
      pushName: fromMe ? null : FIRST[Math.floor(rnd() * FIRST.length)]!,
      secret: live ? bytes(rnd, 32) : null,
      deviceHash: live ? bytes(rnd, 10) : null,
      thumbnail: type === "image" ? bytes(rnd, RAW_THUMBNAIL_MIN + Math.floor(rnd() * RAW_THUMBNAIL_SPREAD)) : null,
    });
    const ops: WriteOp[] = [{ op: "upsertMessage", message }];
    if (rnd() < 0.02) {
      ops.push({ op: "upsertReaction", reaction: { chatJid: chat.jid, messageId: id, reactorId: chat.members[0]!, emoji: "👍", ts: ts + 1000 } });
    }
    if (i % Math.max(1, Math.floor(total / 1000)) === 0) samples.push({ chat: chat.jid, id });
    yield { ops, message };
  }
}
