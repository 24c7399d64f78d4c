/**
 * The WhatsApp side's modules (Baileys and what builds on it), in one place for `compose.ts` to
 * load with `import()` once the first tool call is answered (see deferred_start.ts).
 */
export { connectionBehavior } from "../whatsapp/connection_actor.ts";
export { syncBehavior } from "../whatsapp/sync_actor.ts";
export { createWaVersionSource, fetchWaWebVersion } from "../whatsapp/wa_version.ts";
export { extraMediaOrigins } from "../whatsapp/media_source.ts";
export { gatedConnectionBehavior } from "../cluster/gated_connection.ts";
