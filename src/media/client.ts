/**
 * The typed client of the media actor (registry name "ffmpeg"): `ask` whose reply type follows
 * the message type (`MediaReplies`), with the ask timeouts next to it.
 */
import { type ActorClient, actorClient, type Registry } from "../../supervisors/mod.ts";
import type { MediaMsg, MediaReplies } from "./actor.ts";

/** Registry name of the media actor. */
export const MEDIA = "ffmpeg";

/** Ask timeouts by message: a view runs several worker jobs, each under the runner's own limit. */
export const MEDIA_TIMEOUTS: Readonly<Record<MediaMsg["type"], number>> = {
  read_file: 60_000,
  probe: 60_000,
  voice_note: 180_000,
  voice_note_file: 180_000,
  view: 300_000,
};

/** Request/reply to the media actor, typed by message. */
export type MediaClient = ActorClient<MediaMsg, MediaReplies>;

/** Builds the client. */
export function mediaClient(registry: Registry): MediaClient {
  return actorClient<MediaMsg, MediaReplies>(registry, MEDIA, (msg) => MEDIA_TIMEOUTS[msg.type]);
}
