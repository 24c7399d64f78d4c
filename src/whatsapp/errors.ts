/**
 * Domain errors of the WhatsApp link. They are `ReplyError`s: thrown from `receive`, they reject
 * only the ask that caused them and never crash the connection actor.
 */
import { ReplyError } from "../../supervisors/mod.ts";

/** A request that cannot be served as asked (bad input, unknown message, WhatsApp refused it). */
export class WhatsAppRequestError extends ReplyError {
  override name = "WhatsAppRequestError";
}

/** The request needs an open WhatsApp connection and there is none; the message says why and what to do. */
export class WhatsAppNotReadyError extends WhatsAppRequestError {
  override name = "WhatsAppNotReadyError";
}

/**
 * A send was handed to WhatsApp but its outcome was never confirmed (e.g. the cluster leader died
 * in between): it may or may not have been delivered, and it is never sent again automatically.
 */
export class SendOutcomeUnknownError extends WhatsAppRequestError {
  override name = "SendOutcomeUnknownError";
}
