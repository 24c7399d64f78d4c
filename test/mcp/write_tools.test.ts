import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WRITE_TOOL_NAMES } from "../../src/mcp/write_tools.ts";
import { ALL_TOOLS } from "../../src/mcp/tools/index.ts";

describe("WRITE_TOOL_NAMES", () => {
  test("names exactly the tools whose access is write", () => {
    const fromTools = ALL_TOOLS.filter((t) => t.access === "write").map((t) => t.name).sort();
    assert.deepEqual([...WRITE_TOOL_NAMES].sort(), fromTools);
  });
});
