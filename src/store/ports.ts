/**
 * The store port cut by role: who uses the store sees only the methods of its role. `Repository`
 * (`types.ts`) is what both backends implement and the store actor serves; these are views of it,
 * derived with `Pick`/`Omit`, so a method renamed there fails to compile here.
 */
import type { Repository } from "./types.ts";

/** The WhatsApp session: auth keys and meta values (read here, written as `setAuth`/`setMeta` ops). */
export type SessionStore = Pick<Repository, "authGet" | "authList" | "metaGet" | "commit">;

/** Writes to the mirror: one atomic batch of ops. */
export type MirrorWriter = Pick<Repository, "commit">;

/** Reads of the mirror (what the tools ask). */
export type MirrorQueries = Omit<Repository, "commit" | "authGet" | "authList" | "metaGet" | "close">;

/** What the MCP side (tools, held and scheduled sends) uses: the mirror's reads and its writes, never the session. */
export type MirrorStore = MirrorQueries & MirrorWriter;
