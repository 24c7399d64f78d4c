/**
 * The idle warm-up's driver (src/mcp/warm_up.ts) on a virtual clock: it waits for `after` and for
 * idle, gives way to a real request (the slice's next store read fails, the call is made again once
 * idle), keeps to its budget, and its store view passes on only the read tools' reads (no write, nothing else).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type RequestActivity, startWarmUp, WarmUpYield, yieldingStore } from "../../src/mcp/warm_up.ts";
import type { WarmUpCall } from "../../src/mcp/warm_up_plan.ts";
import type { MirrorStore } from "../../src/store/ports.ts";

const CHATS = { chats: [{ jid: "a@s.whatsapp.net", name: "Alice", last_message: { id: "M1", chat_jid: "a@s.whatsapp.net", content: "Lunch tomorrow at the pizzeria?" } }] };

/** A virtual clock, a session's request activity and a store of two reads a call. */
function rig(o: { callMs?: number; onRead?: (n: number) => void } = {}) {
  let t = 0;
  let inFlight = 0;
  let last = -Infinity;
  const activity: RequestActivity = { inFlight: () => inFlight, lastActivity: () => last };
  const reads: string[] = [];
  const fakeStore = {
    listMessages(what: string) {
      reads.push(what);
      o.onRead?.(reads.length);
      t += (o.callMs ?? 2) / 2;
      return Promise.resolve();
    },
    commit: () => Promise.resolve(),
  };
  const made: WarmUpCall[] = [];
  const tools = (shouldYield: () => boolean) => {
    const store = yieldingStore(fakeStore as unknown as MirrorStore, shouldYield) as unknown as typeof fakeStore;
    return async (call: WarmUpCall) => {
      made.push(call);
      try {
        await store.listMessages(`${call.name} 1`);
        await store.listMessages(`${call.name} 2`);
      } catch (err) {
        if (err instanceof WarmUpYield) return { isError: true, content: [] };
        throw err;
      }
      return { content: [], structuredContent: call.name === "list_chats" ? CHATS : { messages: [] } };
    };
  };
  const common = {
    tools,
    activity,
    now: () => t,
    // Virtual time passes at once, but each wait is a real timer turn: the test's own timers run.
    sleep: (ms: number) => {
      t += ms;
      return new Promise<void>((resolve) => setTimeout(resolve, 0));
    },
    turn: () => Promise.resolve(),
  };
  return {
    common,
    reads,
    made,
    now: () => t,
    request: { begin: () => void (inFlight++, last = t), end: () => void (inFlight--, last = t) },
  };
}

describe("idle warm-up", () => {
  test("given `after` not resolved yet, then no call is made; once it resolves, calls follow an idle wait", async () => {
    const r = rig();
    let open: () => void = () => {};
    const after = new Promise<void>((resolve) => (open = resolve));
    const w = startWarmUp({ ...r.common, budgetMs: 20, after });
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(r.made.length, 0);
    open();
    const report = await w.done;
    assert.ok(r.made.length > 1);
    assert.equal(report.reason, "budget");
    assert.ok(report.spentMs >= 20 && report.spentMs < 30, `spent ${report.spentMs}`);
  });

  test("a request that arrives during a slice ends it at its next store read; no read runs while the request is in flight; the call is made again once idle", async () => {
    let r: ReturnType<typeof rig> | null = null;
    const readsDuringRequest: number[] = [];
    let inRequest = false;
    r = rig({
      onRead: (n) => {
        if (inRequest) readsDuringRequest.push(n);
        if (n === 5) {
          // A real request arrives during the 3rd call's first read...
          r!.request.begin();
          inRequest = true;
          // ...and is answered 100 ms later (virtual time passes in the warm-up's waits).
          const ends = r!.now() + 100;
          const poll = () => (r!.now() >= ends ? (r!.request.end(), inRequest = false) : setTimeout(poll, 0));
          setTimeout(poll, 0);
        }
      },
    });
    const w = startWarmUp({ ...r.common, budgetMs: 40, idleMs: 50 });
    const report = await w.done;
    assert.equal(report.yielded, 1);
    assert.deepEqual(readsDuringRequest, [], "no store read while the request was in flight");
    // The slice that gave way read once, not twice; its call was made again, in full.
    const third = r.made[2]!;
    assert.deepEqual(r.made[3], third);
    assert.deepEqual(r.reads.slice(4, 9), [`${third.name} 1`, `${third.name} 1`, `${third.name} 2`, `${r.made[4]?.name} 1`, `${r.made[4]?.name} 2`].slice(0, 5));
  });

  test("given a request in flight from the start, then nothing runs until it ends and the session was idle for idleMs", async () => {
    const r = rig();
    r.request.begin();
    const w = startWarmUp({ ...r.common, budgetMs: 10, idleMs: 300 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(r.made.length, 0);
    const endedAt = r.now();
    r.request.end();
    await w.done;
    assert.ok(r.made.length > 0);
    assert.ok(r.now() - endedAt >= 300);
  });

  test("an empty store: one call, then it ends; a budget of 0: no call; stop(): it ends", async () => {
    const empty = rig();
    const tools = (y: () => boolean) => {
      const call = empty.common.tools(y);
      return async (c: WarmUpCall) => ({ ...(await call(c)), structuredContent: { chats: [] } });
    };
    const e = await startWarmUp({ ...empty.common, tools, budgetMs: 1000 }).done;
    assert.equal(e.reason, "empty");
    assert.equal(empty.made.length, 1);

    const none = rig();
    assert.equal((await startWarmUp({ ...none.common, budgetMs: 0 }).done).calls, 0);
    assert.equal(none.made.length, 0);

    const stopped = rig();
    const w = startWarmUp({ ...stopped.common, budgetMs: 1000, sleep: () => new Promise((res) => setTimeout(res, 1)) });
    w.stop();
    assert.equal((await w.done).reason, "stopped");
  });

  test("the warm-up's store view passes on only the read tools' reads, and gives way once asked to", async () => {
    const called: string[] = [];
    let yieldNow = false;
    const method = (name: string) => () => (called.push(name), Promise.resolve("rows"));
    const store = {
      commit: method("commit"),
      listChats: method("listChats"),
      getRawMessage: method("getRawMessage"),
      vacuum: method("vacuum"),
    } as unknown as MirrorStore;
    const view = yieldingStore(store, () => yieldNow) as unknown as Record<"commit" | "listChats" | "getRawMessage" | "vacuum", () => Promise<unknown>>;
    // A write, a read only other parts make (media), a method the port does not name.
    await assert.rejects(view.commit(), /commit is refused/);
    await assert.rejects(view.getRawMessage(), /getRawMessage is refused/);
    await assert.rejects(view.vacuum(), /vacuum is refused/);
    assert.deepEqual(called, []);
    assert.equal(await view.listChats(), "rows");
    yieldNow = true;
    await assert.rejects(view.listChats(), WarmUpYield);
    assert.deepEqual(called, ["listChats"]);
  });
});
