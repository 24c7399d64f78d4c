/**
 * Test-only fault injection (enabled by WHATSAPP_MCP_FAULT_INJECTION=1): wraps a behaviour so that
 * the message `{ type: "__crash__" }` crashes it, as a real bug would. The end-to-end tests use it
 * to show that the tree restarts the actor while the MCP session keeps answering.
 */
import type { Behavior } from "../../supervisors/mod.ts";
import type { Logger } from "../log.ts";
import { environment } from "../runtime/host.ts";
import { nodeFs } from "../runtime/fs.ts";

/** The message that crashes a wrapped actor. */
export const CRASH = { type: "__crash__" } as const;

/** Wraps `inner` so that CRASH makes it throw. */
export function crashable<M>(inner: Behavior<M>): Behavior<M> {
  return {
    start: inner.start?.bind(inner),
    stop: inner.stop?.bind(inner),
    receive(msg, ctx) {
      if ((msg as { type?: string } | null)?.type === CRASH.type) throw new Error("injected crash");
      return inner.receive(msg, ctx);
    },
  };
}

/**
 * With WHATSAPP_MCP_FAULT_HANG_AFTER_SEND=<file> as well: while that file exists, a cluster
 * leader that handed a send to WhatsApp never records its outcome (it logs "fault injection: send
 * handed to WhatsApp, not recorded" and waits for ever), so a test can kill it in the worst
 * moment of a send.
 */
export function afterSendFault(log: Logger): (() => Promise<void>) | undefined {
  const file = environment().WHATSAPP_MCP_FAULT_HANG_AFTER_SEND;
  if (!file) return undefined;
  return async () => {
    if (!(await nodeFs.exists(file))) return;
    log.warn("fault injection: send handed to WhatsApp, not recorded");
    await new Promise<void>(() => {});
  };
}

/**
 * Test hook WHATSAPP_MCP_TEST_LATE_AFTER_MS=<ms>: the scheduler's `late` threshold (plan.ts,
 * LATE_AFTER_MS = 10 s otherwise), so an end-to-end test of a late send need not wait 10 s.
 * Not a user option: the threshold is part of what `late` means.
 */
export function testLateAfterMs(): number | undefined {
  const raw = environment().WHATSAPP_MCP_TEST_LATE_AFTER_MS;
  return raw && /^\d+$/.test(raw) ? Number(raw) : undefined;
}
