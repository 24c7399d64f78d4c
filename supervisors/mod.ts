/**
 * The supervision kernel: actors with mailboxes, a name registry, and supervisors with Erlang/OTP
 * semantics, including replies sent later (`deferReply`, OTP's `noreply` + `gen_server:reply`).
 * It knows nothing of WhatsApp and uses no runtime API (no Node built-ins, no Deno namespace):
 * clock, registry and mailbox are injected through `startTree`'s options.
 */
export type { ActorContext, ActorRef, AskOptions, Behavior, ExitReason, StopReason } from "./actor.ts";
export type { ActorClient, AskableMsg } from "./client.ts";
export { actorClient } from "./client.ts";
export type { ChildOptions, ChildSpec, RestartType, Strategy, SupervisorSpec } from "./child_spec.ts";
export { supervisor, worker } from "./child_spec.ts";
export type { Clock, ManualClock } from "./clock.ts";
export type { DeferredReply } from "./deferred.ts";
export { deferReply } from "./deferred.ts";
export { createManualClock, systemClock } from "./clock.ts";
export {
  ActorCrashedError,
  ActorStoppedError,
  AskTimeoutError,
  EscalationError,
  NoProcError,
  ReplyError,
  ShutdownTimeoutError,
  StartFailedError,
} from "./errors.ts";
export type { Mailbox, MailboxFactory } from "./mailbox.ts";
export { createMailbox } from "./mailbox.ts";
export type { MutableRegistry, Registry } from "./registry.ts";
export { createRegistry } from "./registry.ts";
export type { ChildView, ExitDecision, RestartFlags, RestartPlan } from "./restart_plan.ts";
export { decideExit, planRestart } from "./restart_plan.ts";
export type { ChildInfo, Tree, TreeEvent, TreeOptions } from "./supervisor.ts";
export { startTree } from "./supervisor.ts";
