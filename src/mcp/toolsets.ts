/**
 * Toolsets: named groups of tools a user switches on with WHATSAPP_MCP_TOOLSETS, so a client's
 * context holds only the tools wanted. Pure; the server filters its registrations with `enabledTools`.
 */
import type { AnyTool } from "./tool.ts";

/** Every toolset, in README order. */
export const TOOLSETS = ["read", "send", "groups", "admin", "people", "live", "schedule"] as const;

/** One toolset. */
export type Toolset = typeof TOOLSETS[number];

/** What each set holds (for --help and the README). */
export const TOOLSET_HELP: Record<Toolset, string> = {
  read: "search and read the local copy, status, downloads, group details, poll results",
  send: "messages, files, voice notes, reactions, edits, deletes, read receipts, polls, locations, contacts, forwards",
  groups: "create, change, join and leave groups; participants and invite links",
  admin: "the account's own state: archive, pin, mute, mark unread, block and unblock",
  people: "profiles, 'is this number on WhatsApp', the block list",
  live: "presence: typing indicators, online and last seen",
  schedule: "messages sent later by the server",
};

/** Used when WHATSAPP_MCP_TOOLSETS is not set: the original's tools and the ones that grew around them. */
export const DEFAULT_TOOLSETS: readonly Toolset[] = ["read", "send"];

/** The toolset of a tool: its own, else "read" or "send" by access. */
export function toolsetOf(tool: Pick<AnyTool, "access" | "toolset">): Toolset {
  return tool.toolset ?? (tool.access === "read" ? "read" : "send");
}

/** Thrown for an unknown toolset name. */
export class ToolsetError extends Error {
  override name = "ToolsetError";
}

/**
 * The sets named in a configured list: names of TOOLSETS, or "all"; empty means the default.
 * An unknown name is an error (a typo must not silently hide tools).
 */
export function parseToolsets(names: readonly string[] | null | undefined): ReadonlySet<Toolset> {
  const list = (names ?? []).map((n) => n.trim().toLowerCase()).filter((n) => n.length > 0);
  if (list.length === 0) return new Set(DEFAULT_TOOLSETS);
  const out = new Set<Toolset>();
  for (const n of list) {
    if (n === "all") return new Set(TOOLSETS);
    if (n === "default") {
      for (const d of DEFAULT_TOOLSETS) out.add(d);
      continue;
    }
    if (!(TOOLSETS as readonly string[]).includes(n)) {
      throw new ToolsetError(`Unknown toolset ${JSON.stringify(n)}: expected all, default or a list of ${TOOLSETS.join(", ")}`);
    }
    out.add(n as Toolset);
  }
  return out;
}

/**
 * Whether the configured list enables exactly the default sets: the static tool table
 * (src/mcp/tool_table.ts, generated for the default sets) answers tools/list only then.
 */
export function isDefaultToolsets(names: readonly string[] | null | undefined): boolean {
  const sets = parseToolsets(names);
  return sets.size === DEFAULT_TOOLSETS.length && DEFAULT_TOOLSETS.every((d) => sets.has(d));
}

/** The tools a server offers: those of the enabled sets, without write tools in read-only mode. */
export function enabledTools(all: readonly AnyTool[], sets: ReadonlySet<Toolset>, readOnly: boolean): AnyTool[] {
  return all.filter((t) => sets.has(toolsetOf(t)) && !(readOnly && t.access === "write"));
}
