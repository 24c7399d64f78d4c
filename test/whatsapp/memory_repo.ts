/**
 * A Map-backed store for the WhatsApp tests: it applies the ops the link writes (auth, meta,
 * messages by chat, chats, people, LID links, reactions...) and answers the reads the link uses.
 * `image()`/`fromImage()` stand in for closing and reopening a durable store. It implements only
 * the WhatsApp side's ports (`SessionStore` and `WhatsAppMirror`): a read the link starts to use
 * outside them fails to compile rather than at run time.
 */
import { REPOSITORY_METHODS } from "../../src/store/client.ts";
import type { SessionStore } from "../../src/store/ports.ts";
import type { ListMessagesQuery, MessageRow, MessageView, Page, Repository, WriteOp } from "../../src/store/types.ts";
import type { WhatsAppMirror } from "../../src/whatsapp/requests.ts";

/** The repository plus what tests inspect. */
export interface MemoryRepo extends SessionStore, WhatsAppMirror {
  /** Every committed batch, in order. */
  readonly commits: WriteOp[][];
  readonly auth: Map<string, string>;
  readonly messages: Map<string, MessageRow>;
  readonly chats: Map<string, Record<string, unknown>>;
  readonly people: Map<string, Record<string, unknown>>;
  readonly links: Map<string, string>;
  /** A serialized copy of the auth data (what a durable store would hold on disk). */
  image(): string;
  /** Makes `commit` reject from now on (to test crash paths). */
  failCommits(error: Error | null): void;
  /** Nothing to flush: the data stays in the maps. */
  close(): Promise<void>;
}

/** Creates an empty repository, or one loaded from `image()` output. */
export function memoryRepo(image?: string): MemoryRepo {
  const auth = new Map<string, string>(image ? JSON.parse(image) : []);
  const messages = new Map<string, MessageRow>();
  const chats = new Map<string, Record<string, unknown>>();
  const people = new Map<string, Record<string, unknown>>();
  const links = new Map<string, string>();
  const commits: WriteOp[][] = [];
  let failing: Error | null = null;
  const ak = (c: string, id: string) => `${c}\u0000${id}`;
  const mk = (chat: string, id: string) => `${chat}\u0000${id}`;
  const merge = (target: Map<string, Record<string, unknown>>, key: string, patch: Record<string, unknown>) => {
    const old = target.get(key) ?? {};
    const next = { ...old };
    for (const [k, v] of Object.entries(patch)) if (v !== null && v !== undefined) next[k] = v;
    target.set(key, next);
  };
  const view = (m: MessageRow): MessageView => {
    const { raw: _raw, ...rest } = m;
    return { ...rest, senderName: null, senderPhone: null, chatName: null, reactions: [], rank: null };
  };
  const meta = new Map<string, string>();

  const repo: MemoryRepo = {
    commits,
    auth,
    messages,
    chats,
    people,
    links,
    image: () => JSON.stringify([...auth]),
    failCommits(e) {
      failing = e;
    },
    async commit(ops) {
      await Promise.resolve();
      if (failing) throw failing;
      commits.push(ops);
      for (const op of ops) {
        switch (op.op) {
          case "setAuth":
            if (op.value === null) auth.delete(ak(op.category, op.id));
            else auth.set(ak(op.category, op.id), op.value);
            break;
          case "clearAuth":
            auth.clear();
            break;
          case "setMeta":
            if (op.value === null) meta.delete(op.key);
            else meta.set(op.key, op.value);
            break;
          case "upsertMessage": {
            const key = mk(op.message.chatJid, op.message.id);
            const old = messages.get(key);
            const next = { ...(old ?? op.message) } as MessageRow;
            for (const [k, v] of Object.entries(op.message)) if (v !== null && v !== undefined) (next as unknown as Record<string, unknown>)[k] = v;
            messages.set(key, next);
            break;
          }
          case "editMessage": {
            const m = messages.get(mk(op.chatJid, op.id));
            if (m) messages.set(mk(op.chatJid, op.id), { ...m, editedText: op.text, editedAt: op.editedAt });
            break;
          }
          case "revokeMessage": {
            const m = messages.get(mk(op.chatJid, op.id));
            if (m) messages.set(mk(op.chatJid, op.id), { ...m, revoked: true });
            break;
          }
          case "deleteMessage":
            messages.delete(mk(op.chatJid, op.id));
            break;
          case "setMessageStatus": {
            const m = messages.get(mk(op.chatJid, op.id));
            if (m) messages.set(mk(op.chatJid, op.id), { ...m, status: op.status });
            break;
          }
          case "upsertChat":
            merge(chats, op.chat.jid, op.chat);
            break;
          case "deleteChat":
            chats.delete(op.jid);
            break;
          case "upsertPerson":
            merge(people, op.person.id as string, op.person as Record<string, unknown>);
            break;
          case "linkLid":
            links.set(op.lid, op.pnJid);
            break;
          default:
            break;
        }
      }
    },
    async authList() {
      await Promise.resolve();
      return [...auth].map(([k, value]) => {
        const [category, id] = k.split("\u0000") as [string, string];
        return { category, id, value };
      });
    },
    async authGet(category, ids) {
      await Promise.resolve();
      const out: Record<string, string> = {};
      for (const id of ids) {
        const v = auth.get(ak(category, id));
        if (v !== undefined) out[id] = v;
      }
      return out;
    },
    async getRawMessage(chatJid, id) {
      await Promise.resolve();
      return messages.get(mk(chatJid, id))?.raw ?? null;
    },
    async getMessage(chatJid, id) {
      await Promise.resolve();
      const m = messages.get(mk(chatJid, id));
      return m ? view(m) : null;
    },
    async listMessages(q: ListMessagesQuery): Promise<Page<MessageView>> {
      await Promise.resolve();
      const rows = [...messages.values()]
        .filter((m) => !q.chatJid || m.chatJid === q.chatJid)
        .sort((a, b) => b.ts - a.ts || (b.id < a.id ? -1 : 1));
      if (q.order === "oldest") rows.reverse();
      const start = q.offset ?? 0;
      return { items: rows.slice(start, start + q.limit).map(view), nextCursor: null };
    },
    // No polls in this double: a vote finds no poll and is counted as undecryptable.
    getPolls: () => Promise.resolve([]),
    async metaGet(key) {
      await Promise.resolve();
      return meta.get(key) ?? null;
    },
    close: () => Promise.resolve(),
  };
  return repo;
}

/**
 * The double as a store backend behind the real store actor (tests that start the actor tree):
 * the methods outside the WhatsApp side's ports reject, naming themselves.
 */
export function asStoreBackend(repo: MemoryRepo): Repository {
  const own = repo as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { close: () => Promise.resolve() };
  for (const m of REPOSITORY_METHODS) {
    out[m] = own[m] ?? (() => Promise.reject(new Error(`memoryRepo.${m} is not implemented`)));
  }
  return out as unknown as Repository;
}
