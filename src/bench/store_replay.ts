/**
 * Crash-restart benchmark of the sql.js store: commits `messages` messages with snapshots off
 * (so everything is only in the journal, as after a crash before any snapshot), copies that
 * journal alone into a fresh folder, and times opening it: the replay of every entry; then the
 * first search, which must see every replayed message (all queued for the full-text index).
 * Each message carries its real encoded WebMessageInfo as raw (as a live or history message
 * does), so the replay cuts real protos to their residuals; until session 14 it carried 120
 * bytes of filler, which the cut gave up on at once and stored whole.
 */
import { joinPath, nodeFs } from "../runtime/fs.ts";
import { cpuSeconds, makeScratchDir, removeTree } from "../runtime/bench_host.ts";
import { openSqljsRepository } from "../store/sqljs/repository.ts";
import type { MessageRow, WriteOp } from "../store/types.ts";
import { messageProtoOf } from "./message_proto.ts";

/** What the replay benchmark measured. */
export interface ReplayBench {
  messages: number;
  journalBytes: number;
  /** The whole open (load, migrate, replay). */
  seconds: number;
  msgsPerSec: number;
  /** Of which the replay itself (read, decode, apply), and the open's process CPU time. */
  replaySeconds: number | null;
  cpuSeconds: number;
  /**
   * The first search after the open (a word of one message, newest first): every replayed message
   * is queued for the full-text index, and a search must see them all.
   */
  firstSearchSeconds: number;
  /** Then a search for a word in no message: every queued message is read and matched (the worst case). */
  missSearchSeconds: number;
  /**
   * Then a search ordered by relevance (another message's word): it reads the whole queue once
   * (what indexing it will add to the index's totals), and the queued messages holding the word.
   */
  relevanceSearchSeconds: number;
  /** Then another relevance search (a third message's word): the totals are kept until a commit. */
  relevanceAgainSeconds: number;
  /** Each open's seconds, fastest first, when the journal was opened more than once (the figures above are the median open's). */
  runs?: number[];
}

/**
 * Runs it with `words` as the vocabulary (deterministic text, 200 chats, batches of 1000);
 * `runs` > 1 opens copies of the same journal that many times (a busy machine's spread).
 */
export async function runReplayBench(messages: number, words: readonly string[], runs = 1): Promise<ReplayBench> {
  const src = await makeScratchDir("wa-replay-src-");
  const dst = await makeScratchDir("wa-replay-dst-");
  try {
    const repo = await openSqljsRepository({ dir: src, snapshotEveryBytes: Number.MAX_SAFE_INTEGER });
    let ops: WriteOp[] = [];
    for (let i = 0; i < messages; i++) {
      const chatJid = `4915${String(200_000_000 + (i * 7919) % 200)}@s.whatsapp.net`;
      const text = [words[i % words.length], words[(i * 31) % words.length], words[(i * 131) % words.length]].join(" ");
      const fromMe = i % 3 === 0;
      const message: MessageRow = {
        chatJid, id: `R${i}`, senderId: chatJid, fromMe, ts: 1_700_000_000_000 + i * 1000, type: "text", text,
        quotedId: null, editedText: null, editedAt: null, revoked: false, viewOnce: false, status: null, media: null, raw: null,
      };
      message.raw = messageProtoOf(message, { pushName: fromMe ? null : `Name ${i % 200}` });
      ops.push({ op: "upsertMessage", message });
      if (ops.length === 1000) {
        await repo.commit(ops);
        ops = [];
      }
    }
    if (ops.length) await repo.commit(ops);
    // The journal as a crash leaves it (every commit fsynced), without the snapshot close writes.
    const journal = await nodeFs.readFile(joinPath(src, "store.journal"));
    await repo.close();
    const opens: ReplayBench[] = [];
    for (let i = 0; i < runs; i++) opens.push(await openCopy(dst, journal, messages, words));
    opens.sort((a, b) => a.seconds - b.seconds);
    const median = opens[Math.floor((opens.length - 1) / 2)]!;
    return runs > 1 ? { ...median, runs: opens.map((o) => o.seconds) } : median;
  } finally {
    await removeTree(src);
    await removeTree(dst);
  }
}

/** Opens a copy of `journal` alone in the empty folder `dir` (its replay), and empties the folder again. */
async function openCopy(dir: string, journal: Uint8Array, messages: number, words: readonly string[]): Promise<ReplayBench> {
  await nodeFs.writeFile(joinPath(dir, "store.journal"), journal, 0o600);
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const reopened = await openSqljsRepository({ dir });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - c0;
  const s0 = performance.now();
  const hits = await reopened.listMessages({ query: words[(messages >> 1) % words.length]!, limit: 20 });
  const firstSearchSeconds = (performance.now() - s0) / 1000;
  if (hits.items.length === 0) throw new Error("the first search after the replay found nothing");
  const m0 = performance.now();
  const none = await reopened.listMessages({ query: "qqnowordqq", limit: 20 });
  const missSearchSeconds = (performance.now() - m0) / 1000;
  if (none.items.length !== 0) throw new Error("a word in no message was found");
  const relevance = async (at: number): Promise<number> => {
    const r0 = performance.now();
    const ranked = await reopened.listMessages({ query: words[at % words.length]!, order: "relevance", limit: 20 });
    if (ranked.items.length === 0) throw new Error("a relevance search after the replay found nothing");
    return (performance.now() - r0) / 1000;
  };
  const relevanceSearchSeconds = await relevance((messages >> 2) + 1);
  const relevanceAgainSeconds = await relevance((messages >> 3) + 2);
  const st = await reopened.stats();
  const count = st.messages;
  await reopened.close();
  for (const name of await nodeFs.readDir(dir)) await nodeFs.unlink(joinPath(dir, name));
  if (count !== messages) throw new Error(`replay restored ${count} of ${messages} messages`);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    messages,
    journalBytes: journal.byteLength,
    seconds: r3(seconds),
    msgsPerSec: Math.round(messages / seconds),
    replaySeconds: st.work ? r3(st.work.replayMs / 1000) : null,
    cpuSeconds: r3(cpu),
    firstSearchSeconds: r3(firstSearchSeconds),
    missSearchSeconds: r3(missSearchSeconds),
    relevanceSearchSeconds: r3(relevanceSearchSeconds),
    relevanceAgainSeconds: r3(relevanceAgainSeconds),
  };
}
