/** One base class decides which errors a tool shows as written: every user-facing error is a `UserError`. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ReplyError } from "../../supervisors/mod.ts";
import { RecipientError } from "../../src/ids/parse.ts";
import { MediaReplyError } from "../../src/media/actor.ts";
import { MediaError } from "../../src/media/errors.ts";
import { DateInputError } from "../../src/mcp/dates.ts";
import { errorToResult, ToolInputError } from "../../src/mcp/results.ts";
import { isUserError, UserError } from "../../src/user_error.ts";
import { QUEUE_FULL, ScheduleLimitError } from "../../src/schedule/service.ts";

const text = (r: { content: unknown }) => (r.content as Array<{ text: string }>)[0]!.text;

describe("UserError", () => {
  test("input, recipient, date and media errors are user errors with a code", () => {
    const errors: UserError[] = [
      new ToolInputError("no such chat"),
      new RecipientError("recipient is empty"),
      new DateInputError("after is not a date"),
      new MediaError("outside_roots", "not in a media folder"),
      new MediaReplyError("too_large", "over 16 MB"),
      new ScheduleLimitError(QUEUE_FULL),
    ];
    for (const e of errors) {
      assert.ok(isUserError(e), e.name);
      assert.ok(e instanceof ReplyError, `${e.name} rejects only its ask inside an actor`);
      assert.match(e.code, /^[a-z_]+$/, e.name);
    }
    assert.equal(new MediaReplyError("too_large", "x").code, "too_large");
  });

  test("errorToResult shows a user error as written and names the step for anything else", () => {
    assert.equal(text(errorToResult(new MediaReplyError("not_found", "no file at /x"), "Send file")), "no file at /x");
    assert.equal(text(errorToResult(new RecipientError("recipient is empty"), "Send")), "recipient is empty");
    assert.equal(text(errorToResult(new ScheduleLimitError(QUEUE_FULL), "Schedule")), QUEUE_FULL);
    assert.equal(text(errorToResult(new Error("socket closed"), "Send")), "Send failed: socket closed");
    assert.equal(text(errorToResult(new ReplyError("store said no"), "List")), "List failed: store said no");
  });
});
