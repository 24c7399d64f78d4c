import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { jsonRows } from "../../src/store/postgres/json_rows.ts";
import { MIN_ANALYZE_ROWS, shouldAnalyze } from "../../src/store/postgres/upkeep.ts";

describe("shouldAnalyze()", () => {
  test("analyzes after three times as many new messages as the last analysis saw, at least MIN_ANALYZE_ROWS", () => {
    assert.equal(shouldAnalyze(MIN_ANALYZE_ROWS - 1, 0), false);
    assert.equal(shouldAnalyze(MIN_ANALYZE_ROWS, 0), true);
    assert.equal(shouldAnalyze(MIN_ANALYZE_ROWS - 1, 1000), false);
    assert.equal(shouldAnalyze(470_000, 160_000), false);
    assert.equal(shouldAnalyze(480_000, 160_000), true);
  });
});

describe("jsonRows()", () => {
  test("is JSON.stringify, with lone surrogates as U+FFFD (what a text parameter would store)", () => {
    assert.equal(jsonRows([{ a: "x\"y", b: null, c: 1 }]), JSON.stringify([{ a: "x\"y", b: null, c: 1 }]));
    assert.equal(jsonRows([{ t: "ok 😀" }]), '[{"t":"ok 😀"}]', "pairs stay as they are");
    assert.deepEqual(JSON.parse(jsonRows([{ t: "cut \ud83d", u: "\udc00x" }])), [{ t: "cut \ufffd", u: "\ufffdx" }]);
    // A literal backslash before "ud83d" is text, not an escape.
    assert.deepEqual(JSON.parse(jsonRows([{ t: "\\ud83d and \\\ud83d" }])), [{ t: "\\ud83d and \\\ufffd" }]);
  });
});
