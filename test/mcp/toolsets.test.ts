/** Toolsets: parsing WHATSAPP_MCP_TOOLSETS, the tool list each set gives, and the README's table of them. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../helpers/paths.ts";
import { buildConfig } from "../../src/config/parse.ts";
import { ALL_TOOLS } from "../../src/mcp/tools/index.ts";
import { DEFAULT_TOOLSETS, isDefaultToolsets, parseToolsets, toolsetOf, TOOLSETS } from "../../src/mcp/toolsets.ts";
import { TOOL_TABLE } from "../../src/mcp/tool_table.ts";
import { startHarness } from "./harness.ts";

const linux = { platform: "linux", home: "/home/ana", env: {} };
const namesIn = (sets: readonly string[]) => ALL_TOOLS.filter((t) => sets.includes(toolsetOf(t))).map((t) => t.name).sort();

async function listed(o: { toolsets?: string[]; readOnly?: boolean }): Promise<string[]> {
  const h = await startHarness(o);
  try {
    // A server with no tools at all has no tools capability: tools/list is then "method not found".
    if (!h.client.getServerCapabilities()?.tools) return [];
    return (await h.client.listTools()).tools.map((t) => t.name).sort();
  } finally {
    await h.close();
  }
}

describe("parseToolsets", () => {
  test("the static tool table (answered before the server attaches) is used only for the default sets it lists", () => {
    assert.deepEqual(TOOL_TABLE.tools.map((t) => t.name).sort(), namesIn(DEFAULT_TOOLSETS));
    for (const d of [[], ["default"], ["send", "read"], ["READ", "send"]]) assert.equal(isDefaultToolsets(d), true, d.join());
    for (const o of [["all"], ["default", "schedule"], ["read"]]) assert.equal(isDefaultToolsets(o), false, o.join());
  });
  test("empty means the default; all means every set; default can be extended; case and spaces do not matter", () => {
    assert.deepEqual([...parseToolsets([])], [...DEFAULT_TOOLSETS]);
    assert.deepEqual([...parseToolsets(undefined)], [...DEFAULT_TOOLSETS]);
    assert.deepEqual([...parseToolsets(["all"])].sort(), [...TOOLSETS].sort());
    assert.deepEqual([...parseToolsets(["default", " Groups "])].sort(), ["groups", "read", "send"]);
    assert.deepEqual([...parseToolsets(["read"])], ["read"]);
  });
  test("an unknown name is an error that lists the valid ones, in the config too", () => {
    assert.throws(() => parseToolsets(["read", "grups"]), /Unknown toolset "grups": expected all, default or a list of read, send, groups/);
    assert.throws(
      () => buildConfig([], { WHATSAPP_MCP_TOOLSETS: "read,grups" }, linux),
      /WHATSAPP_MCP_TOOLSETS/,
    );
    assert.deepEqual(buildConfig(["--toolsets", "read,groups"], {}, linux).toolsets, ["read", "groups"]);
  });
});

describe("tools/list per toolset", () => {
  test("the default offers the original's tools and the read/send additions, nothing of the other sets", async () => {
    const names = await listed({});
    assert.deepEqual(names, namesIn(DEFAULT_TOOLSETS));
    for (const original of ["search_contacts", "list_messages", "list_chats", "get_chat", "get_direct_chat_by_contact", "get_contact_chats",
      "get_last_interaction", "get_message_context", "send_message", "send_file", "send_audio_message", "download_media"]) {
      assert.ok(names.includes(original), original);
    }
    assert.ok(!names.includes("create_group"));
  });
  for (const set of TOOLSETS) {
    test(`"${set}" offers exactly its tools`, async () => {
      const names = await listed({ toolsets: [set] });
      assert.deepEqual(names, namesIn([set]));
    });
  }
  test('"all" offers every tool; read-only mode removes every write tool of every set', async () => {
    assert.deepEqual(await listed({ toolsets: ["all"] }), ALL_TOOLS.map((t) => t.name).sort());
    const ro = await listed({ toolsets: ["all"], readOnly: true });
    assert.deepEqual(ro, ALL_TOOLS.filter((t) => t.access === "read").map((t) => t.name).sort());
  });
  test("every tool names a known toolset", () => {
    for (const t of ALL_TOOLS) assert.ok((TOOLSETS as readonly string[]).includes(toolsetOf(t)), t.name);
  });
});

describe("README", () => {
  test("the toolset table lists every tool once, in its set", () => {
    const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Toolsets"), readme.indexOf("\n## ", readme.indexOf("### Toolsets")));
    const rows = [...section.matchAll(/^\| `(\w+)` \| (\w+) \|/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(rows.map((r) => r[0]).sort(), ALL_TOOLS.map((t) => t.name).sort());
    for (const [name, set] of rows) assert.equal(set, toolsetOf(ALL_TOOLS.find((t) => t.name === name)!), name);
  });
});
