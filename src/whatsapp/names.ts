/**
 * Registry names of the WhatsApp subtree's actors, apart from their cores so that the tree's
 * declaration and the clients can name them without loading Baileys.
 */

/** Registry name of the connection actor. */
export const CONNECTION = "connection";

/** Registry name of the sync actor. */
export const SYNC = "sync";
