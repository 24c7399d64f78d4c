/** A failed scheduled send is classified by the error's class: retried, never resent, or failed. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ActorCrashedError, ActorStoppedError, AskTimeoutError, NoProcError, ReplyError } from "../../supervisors/mod.ts";
import { sendFailureKind } from "../../src/schedule/send.ts";
import { SendOutcomeUnknownError, WhatsAppNotReadyError, WhatsAppRequestError } from "../../src/whatsapp/errors.ts";

describe("sendFailureKind", () => {
  test("nothing went out when WhatsApp was not ready or no connection actor answered", () => {
    assert.equal(sendFailureKind(new WhatsAppNotReadyError("WhatsApp is not connected")), "not_sent");
    assert.equal(sendFailureKind(new NoProcError("connection")), "not_sent");
  });

  test("a send that may have gone out is never retried: timeout, crash, stop, unconfirmed, broken connection", () => {
    assert.equal(sendFailureKind(new AskTimeoutError("connection", 60_000)), "maybe_sent");
    assert.equal(sendFailureKind(new ActorCrashedError("connection", new Error("boom"))), "maybe_sent");
    assert.equal(sendFailureKind(new ActorStoppedError("connection")), "maybe_sent");
    assert.equal(sendFailureKind(new SendOutcomeUnknownError("the leader died")), "maybe_sent");
    assert.equal(sendFailureKind(new Error("Connection Closed")), "maybe_sent");
  });

  test("anything else is WhatsApp refusing it, whatever its name says", () => {
    assert.equal(sendFailureKind(new WhatsAppRequestError("Cannot send an empty text")), "refused");
    assert.equal(sendFailureKind(new ReplyError("not-authorized")), "refused");
    const named = Object.assign(new Error("x"), { name: "WhatsAppNotReadyError" });
    assert.equal(sendFailureKind(named), "refused", "the class decides, not the name");
    assert.equal(sendFailureKind(null), "refused");
  });
});
