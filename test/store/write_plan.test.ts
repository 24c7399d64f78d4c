/**
 * The write plan (src/store/write_plan/): the decisions both store dialects execute, tested
 * without a database. A scripted executor answers each read from given facts and records every
 * step; the tests say which steps an op leads to.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../helpers/paths.ts";
import { msg } from "./repository_suite.ts";
import { canonical, canonicalFrom } from "../../src/store/write_plan/canonical.ts";
import { planOp } from "../../src/store/write_plan/plan.ts";
import { runPlan } from "../../src/store/write_plan/run.ts";
import type { Answers, PersonFacts, PlanState, Step } from "../../src/store/write_plan/steps.ts";
import type { MessageRow, WriteOp } from "../../src/store/types.ts";

const PN = "491511111111@s.whatsapp.net";
const PN2 = "491522222222@s.whatsapp.net";
const LID = "201000000001@lid";
const GROUP = "120363000000000001@g.us";

/** Facts the scripted executor answers with (anything not given: not found / false / empty). */
type Facts = { [K in keyof Answers]?: Answers[K] | ((step: Extract<Step, { t: K }>) => Answers[K]) };

const DEFAULTS: Answers = {
  lidOwner: null,
  mayHold: false,
  message: true,
  changeTarget: null,
  isAdmin: false,
  takeHeld: [],
  takeResolvable: [],
  personByPn: null,
  personByLid: null,
  personById: null,
  chatRow: null,
  chatExists: false,
};

/** Runs the plans of `ops` in one batch; returns every step taken and the plan state. */
function trace(ops: WriteOp[], facts: Facts = {}, state: PlanState = { held: undefined }): { steps: Step[]; state: PlanState } {
  const steps: Step[] = [];
  const exec = (step: Step): unknown => {
    steps.push(step);
    if (!(step.t in DEFAULTS)) return undefined;
    const given = facts[step.t as keyof Answers];
    if (given === undefined) return DEFAULTS[step.t as keyof Answers];
    return typeof given === "function" ? (given as (s: Step) => unknown)(step) : given;
  };
  for (const op of ops) runPlan(planOp(state, op), exec);
  return { steps, state };
}

const kinds = (steps: Step[]) => steps.map((s) => s.t);
const only = <T extends Step["t"]>(steps: Step[], t: T) => steps.filter((s): s is Extract<Step, { t: T }> => s.t === t);

const message = (extra: Partial<MessageRow> = {}): MessageRow => msg(PN, "M1", 1000.7, "hello", { senderId: PN, ...extra });

const person = (id: string, pnJid: string | null, names: Partial<PersonFacts> = {}): PersonFacts => ({
  id,
  pnJid,
  pushName: null,
  savedName: null,
  businessName: null,
  ...names,
});

describe("write plan: messages", () => {
  test("a message from a LID whose phone number is known is keyed by the phone JID, in whole milliseconds", () => {
    const { steps } = trace([{ op: "upsertMessage", message: message({ chatJid: LID, senderId: LID }) }], { lidOwner: PN });
    const [write] = only(steps, "message");
    assert.equal(write?.chat, PN);
    assert.equal(write?.sender, PN);
    assert.equal(write?.ts, 1000);
    assert.deepEqual([write?.chatIsPerson, write?.senderIsPerson], [true, true], "both get people rows");
  });

  test("a group is not a person: only the sender gets a people row; a message of the owner names no sender", () => {
    const group = only(trace([{ op: "upsertMessage", message: message({ chatJid: GROUP, senderId: PN2 }) }]).steps, "message")[0];
    assert.deepEqual([group?.chatIsPerson, group?.senderIsPerson], [false, true]);
    const mine = only(trace([{ op: "upsertMessage", message: message({ senderId: null, fromMe: true }) }]).steps, "message")[0];
    assert.deepEqual([mine?.sender, mine?.chatIsPerson, mine?.senderIsPerson], [null, true, false]);
  });

  test("a live message enters the live feed only when it is new", () => {
    const live: WriteOp = { op: "upsertMessage", message: message(), live: true };
    assert.deepEqual(only(trace([live], { message: true }).steps, "live").map((s) => s.kind), ["message"]);
    assert.deepEqual(only(trace([live], { message: false }).steps, "live"), []);
    assert.deepEqual(only(trace([{ ...live, live: false }], { message: true }).steps, "live"), []);
  });

  test("whether changes may be held is asked once per batch", () => {
    const ops: WriteOp[] = [1, 2, 3].map((i) => ({ op: "upsertMessage", message: message({ id: `M${i}` }) }));
    const { steps } = trace(ops, { mayHold: false });
    assert.equal(only(steps, "mayHold").length, 1);
    assert.equal(only(steps, "takeHeld").length, 0);
  });

  test("an empty emoji takes a reaction back without a people row; a live reaction enters the feed either way", () => {
    const r = { chatJid: PN, messageId: "M1", reactorId: PN2, emoji: "", ts: 5 };
    const removed = trace([{ op: "upsertReaction", reaction: r, live: true }]).steps;
    assert.deepEqual(kinds(removed), ["live", "unreact"]);
    const set = trace([{ op: "upsertReaction", reaction: { ...r, emoji: "👍" } }]).steps;
    assert.deepEqual(kinds(set), ["ensurePerson", "react"]);
  });
});

describe("write plan: edits and revokes", () => {
  test("an edit of a message not stored yet is held, then judged by the author rule when the message arrives", () => {
    const edit: WriteOp = { op: "editMessage", chatJid: PN, id: "M1", text: "fixed", editedAt: 2000, by: { fromMe: false, id: PN } };
    const first = trace([edit], { changeTarget: null });
    assert.deepEqual(kinds(first.steps), ["changeTarget", "hold"]);
    assert.equal(first.state.held, true, "a held change marks the batch as holding");

    const heldRow = { id: "M1", author: PN, edited_text: "fixed", edited_at: 2000, revoked: 0 };
    const arrival = trace([{ op: "upsertMessage", message: message() }], {
      takeHeld: [heldRow],
      changeTarget: { fromMe: false, senderId: PN },
    }, { held: true });
    assert.equal(only(arrival.steps, "mayHold").length, 0, "known to hold: not asked again");
    assert.deepEqual(only(arrival.steps, "edit"), [{ t: "edit", chat: PN, id: "M1", text: "fixed", at: 2000 }]);
    assert.ok(kinds(arrival.steps).indexOf("message") < kinds(arrival.steps).indexOf("edit"), "judged once the message is stored");
  });

  test("an edit by someone other than the sender is refused under its author, and stays out of the live feed", () => {
    const { steps } = trace(
      [{ op: "editMessage", chatJid: GROUP, id: "M1", text: "not yours", editedAt: 7, by: { fromMe: false, id: LID }, live: true }],
      { changeTarget: { fromMe: false, senderId: PN }, lidOwner: PN2 },
    );
    assert.deepEqual(only(steps, "refuse"), [{ t: "refuse", chat: GROUP, id: "M1", kind: "edit", author: PN2, text: "not yours", at: 7 }]);
    assert.deepEqual(only(steps, "edit"), []);
    assert.deepEqual(only(steps, "live"), []);
  });

  test("a group admin's revoke of someone else's message is applied and names the admin; the sender's own names nobody", () => {
    const revoke = (by: string): WriteOp => ({ op: "revokeMessage", chatJid: GROUP, id: "M1", by: { fromMe: false, id: by }, live: true });
    const byAdmin = trace([revoke(PN2)], { changeTarget: { fromMe: false, senderId: PN }, isAdmin: true }).steps;
    assert.deepEqual(only(byAdmin, "revoke"), [{ t: "revoke", chat: GROUP, id: "M1", by: PN2 }]);
    assert.deepEqual(only(byAdmin, "live").map((s) => s.kind), ["delete"]);
    const bySender = trace([revoke(PN)], { changeTarget: { fromMe: false, senderId: PN } }).steps;
    assert.deepEqual(only(bySender, "revoke"), [{ t: "revoke", chat: GROUP, id: "M1", by: null }]);
  });

  test("a revoke by a member who is not an admin is refused", () => {
    const { steps } = trace([{ op: "revokeMessage", chatJid: GROUP, id: "M1", by: { fromMe: false, id: PN2 } }], {
      changeTarget: { fromMe: false, senderId: PN },
      isAdmin: false,
    });
    assert.deepEqual(kinds(steps).filter((t) => t === "refuse" || t === "revoke"), ["refuse"]);
  });
});

describe("write plan: people and LID links", () => {
  test("a link already known changes nothing (one read)", () => {
    const { steps } = trace([{ op: "linkLid", lid: LID, pnJid: PN }], { personByLid: person(PN, PN) });
    assert.deepEqual(kinds(steps), ["personByLid"]);
  });

  test("a LID row and a phone row of one person: names folded into the phone row, the LID row dropped, everything re-keyed", () => {
    const lidRow = person(LID, null, { pushName: "Ana" });
    const { steps } = trace([{ op: "linkLid", lid: LID, pnJid: PN }], {
      personByLid: lidRow,
      personByPn: person(PN, PN),
      chatRow: { jid: LID, name: "Ana" },
      chatExists: true,
      mayHold: true,
      personById: person(PN, PN, { pushName: "Ana" }),
    });
    assert.deepEqual(kinds(steps), [
      "personByLid",
      "personByPn",
      "foldPerson",
      "deletePerson",
      "setLid",
      "chatRow",
      "chatExists",
      "mergeChat",
      "rekeyRows",
      "mayHold",
      "rekeyHeld",
      "takeResolvable",
      "personById",
      "personKeys",
      "merged",
    ]);
    assert.deepEqual(only(steps, "foldPerson")[0]?.from, lidRow);
    assert.deepEqual(only(steps, "rekeyRows"), [{ t: "rekeyRows", from: LID, to: PN }]);
  });

  test("a LID linked to another number before is unlinked first (the newer mapping wins), and a missing phone row is created", () => {
    const { steps } = trace([{ op: "linkLid", lid: LID, pnJid: PN }], { personByLid: person(PN2, PN2) });
    assert.deepEqual(kinds(steps).slice(0, 4), ["personByLid", "personByPn", "unlinkLid", "insertLinked"]);
    assert.deepEqual(only(steps, "chatRow").length, 1);
    assert.deepEqual(only(steps, "renameChat"), [], "no LID chat: nothing to rename");
  });

  test("a LID-only row becomes the phone row; its chat is renamed when the phone chat does not exist", () => {
    const { steps } = trace([{ op: "linkLid", lid: LID, pnJid: PN }], { personByLid: person(LID, null), chatRow: { jid: LID }, chatExists: false });
    assert.deepEqual(only(steps, "promoteLidRow"), [{ t: "promoteLidRow", id: LID, pn: PN }]);
    assert.deepEqual(only(steps, "renameChat"), [{ t: "renameChat", from: LID, to: PN }]);
  });

  test("a person upsert with both identities links them; with neither it does nothing", () => {
    const both = trace([{ op: "upsertPerson", person: { pnJid: PN, lid: LID, savedName: "Ana" } }], { personById: person(PN, PN, { savedName: "Ana" }) });
    assert.ok(kinds(both.steps).includes("insertLinked"));
    assert.deepEqual(only(both.steps, "personNames"), [{ t: "personNames", id: PN, pushName: null, savedName: "Ana", businessName: null }]);
    assert.equal(only(both.steps, "personKeys")[0]?.id, PN);
    assert.deepEqual(trace([{ op: "upsertPerson", person: { id: GROUP, pushName: "x" } }]).steps, []);
  });

  test("a malformed link is ignored", () => {
    assert.deepEqual(trace([{ op: "linkLid", lid: PN, pnJid: LID }]).steps, []);
  });
});

describe("write plan: participants and chats", () => {
  test("removing a participant creates no people row; promoting defaults the role to admin; demoting clears it", () => {
    const op = (mode: "remove" | "promote" | "demote"): WriteOp => ({ op: "setParticipants", groupJid: GROUP, mode, participants: [{ personId: PN, admin: null }] });
    assert.deepEqual(kinds(trace([op("remove")]).steps), ["groupChat", "removeParticipant"]);
    assert.equal(only(trace([op("promote")]).steps, "participant")[0]?.admin, "admin");
    assert.equal(only(trace([op("demote")]).steps, "participant")[0]?.admin, null);
  });

  test("replacing the member list clears it first", () => {
    const { steps } = trace([{ op: "setParticipants", groupJid: GROUP, mode: "replace", participants: [{ personId: PN, admin: "superadmin" }] }]);
    assert.deepEqual(kinds(steps), ["groupChat", "clearParticipants", "ensurePerson", "participant"]);
    assert.equal(only(steps, "participant")[0]?.admin, "superadmin");
  });

  test("deleting a chat clears it, then drops it, under its canonical JID", () => {
    const { steps } = trace([{ op: "deleteChat", jid: LID }], { lidOwner: PN });
    assert.deepEqual(steps.slice(1), [{ t: "clearChat", jid: PN, before: undefined }, { t: "dropChat", jid: PN }]);
  });
});

describe("write plan: the set-based writer's canonical form", () => {
  test("canonicalFrom (LID owners read up front) gives what the plan's canonical gives, step by step", () => {
    const owners = new Map([[LID, PN]]);
    const jids = [LID, "201000000009@lid", PN, " 491511111111@S.WhatsApp.Net ", GROUP, "491511111111:12@s.whatsapp.net"];
    for (const jid of jids) {
      const planned = runPlan(canonical(jid), (step) => (step.t === "lidOwner" ? owners.get(step.lid) ?? null : undefined));
      assert.equal(canonicalFrom(jid, (lid) => owners.get(lid)), planned, jid);
    }
    assert.equal(canonicalFrom(LID, (lid) => owners.get(lid)), PN);
  });
});

describe("write plan: purity", () => {
  const dir = join(repoRoot(), "src", "store", "write_plan");
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
  const source = (f: string) => readFileSync(join(dir, f), "utf8");

  test("no file holds SQL, imports a dialect, a driver or node:*, or touches Deno.", () => {
    assert.ok(files.length >= 5, "the plan's files were not found");
    const sql = /\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b/;
    const io = /from\s+["'](node:|sql\.js|postgres)|\.\.\/(sqljs|postgres)\/|\bDeno\./;
    assert.deepEqual(files.filter((f) => sql.test(source(f)) || io.test(source(f))), []);
  });
});
