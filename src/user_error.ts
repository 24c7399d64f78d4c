/**
 * The one base class of errors whose message is written for the user (the model calling a tool):
 * bad input, an unknown chat, a file outside the media folders. A tool returns such an error as its
 * `isError` text, as is; anything else is reported as a failure of the step and logged.
 *
 * It is a kernel `ReplyError`: thrown inside an actor it rejects only that ask and never crashes
 * the actor, which is right for a condition the caller caused.
 */
import { ReplyError } from "../supervisors/errors.ts";

/** An error for the user: `code` names the condition (callers may branch on it), the message says what and why. */
export class UserError extends ReplyError {
  override name = "UserError";
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True for an error whose message is written for the user. */
export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
