/**
 * A Map-backed `Repository` for the WhatsApp tests: it applies the ops the link writes (auth,
 * messages by chat, chats, people, LID links, reactions...) and answers the reads the link uses.
 * `image()`/`fromImage()` stand in for closing and reopening a durable store.
 * Reads the link never uses throw, so a test cannot silently depend on them.
 */
import type { ListMessagesQuery, MessageRow, MessageView, Page, Repository, WriteOp } from "../../src/store/types.ts";

/** The repository plus what tests inspect. */
export interface MemoryRepo extends Repository {
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
  const unsupported = (name: string) => () => Promise.reject(new Error(`memoryRepo.${name} is not implemented`));

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
    getChat: unsupported("getChat"),
    listChats: unsupported("listChats"),
    searchContacts: unsupported("searchContacts"),
    getMessageContext: unsupported("getMessageContext"),
    getMessageContexts: unsupported("getMessageContexts"),
    resolvePerson: unsupported("resolvePerson"),
    getDirectChat: unsupported("getDirectChat"),
    getContactChats: unsupported("getContactChats"),
    getLastInteraction: unsupported("getLastInteraction"),
    getGroupInfo: unsupported("getGroupInfo"),
    getReceipts: unsupported("getReceipts"),
    findMessageChats: unsupported("findMessageChats"),
    stats: unsupported("stats"),
    metaGet: unsupported("metaGet"),
    liveEvents: unsupported("liveEvents"),
    liveHead: unsupported("liveHead"),
    getHeldSend: unsupported("getHeldSend"),
    listHeldSends: unsupported("listHeldSends"),
    webhookDue: unsupported("webhookDue"),
    webhookNextDue: unsupported("webhookNextDue"),
    webhookStatus: unsupported("webhookStatus"),
    getScheduled: unsupported("getScheduled"),
    listScheduled: unsupported("listScheduled"),
    close: () => Promise.resolve(),
  };
  return repo;
}
