import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type ChildView,
  decideExit,
  type ExitReason,
  planRestart,
  type RestartFlags,
  type RestartType,
  type Strategy,
} from "../../supervisors/mod.ts";

const flags = (strategy: Strategy = "one_for_one", intensity = 3, periodMs = 5000): RestartFlags => ({
  strategy,
  intensity,
  periodMs,
});
const child = (id: string, restart: RestartType = "permanent", running = true): ChildView => ({ id, restart, running });
const normal: ExitReason = { kind: "normal" };
const shutdown: ExitReason = { kind: "shutdown" };
const crash: ExitReason = { kind: "crash", error: new Error("boom") };

describe("decideExit: restart types", () => {
  test("a permanent child is restarted whatever the reason", () => {
    for (const reason of [normal, shutdown, crash]) {
      assert.equal(decideExit(flags(), [child("a")], "a", reason, [], 0).action, "restart");
    }
  });

  test("a transient child is restarted only after a crash; its spec is kept otherwise", () => {
    const kids = [child("a", "transient", false)];
    assert.deepEqual(decideExit(flags(), kids, "a", normal, [], 0), { action: "keep" });
    assert.deepEqual(decideExit(flags(), kids, "a", shutdown, [], 0), { action: "keep" });
    assert.equal(decideExit(flags(), kids, "a", crash, [], 0).action, "restart");
  });

  test("a temporary child is never restarted and its spec is dropped", () => {
    const kids = [child("a", "temporary", false)];
    assert.deepEqual(decideExit(flags(), kids, "a", normal, [], 0), { action: "remove" });
    assert.deepEqual(decideExit(flags(), kids, "a", crash, [], 0), { action: "remove" });
  });

  test("exits that need no restart do not count against the intensity", () => {
    assert.deepEqual(decideExit(flags("one_for_one", 0), [child("a", "transient")], "a", normal, [], 0), {
      action: "keep",
    });
  });
});

describe("planRestart: strategies", () => {
  const kids = [child("a"), child("b", "transient"), child("c", "temporary"), child("d")];

  test("given one_for_one, when b fails, then only b starts again", () => {
    assert.deepEqual(planRestart(flags("one_for_one"), kids, "b", [], 0), {
      action: "restart",
      restarts: [0],
      stop: [],
      remove: [],
      start: ["b"],
    });
  });

  test("given one_for_all, when b fails, then the others stop in reverse, temporaries are dropped, the rest start in order", () => {
    assert.deepEqual(planRestart(flags("one_for_all"), kids, "b", [], 0), {
      action: "restart",
      restarts: [0],
      stop: ["d", "c", "a"],
      remove: ["c"],
      start: ["a", "b", "d"],
    });
  });

  test("given rest_for_one, when b fails, then only the children after b stop and restart with it", () => {
    assert.deepEqual(planRestart(flags("rest_for_one"), kids, "b", [], 0), {
      action: "restart",
      restarts: [0],
      stop: ["d", "c"],
      remove: ["c"],
      start: ["b", "d"],
    });
  });

  test("given a sibling that is not running, when the strategy takes it along, then it is started but not stopped (as OTP)", () => {
    assert.deepEqual(planRestart(flags("one_for_all"), [child("a", "transient", false), child("b")], "b", [], 0), {
      action: "restart",
      restarts: [0],
      stop: [],
      remove: [],
      start: ["a", "b"],
    });
  });
});

describe("planRestart: intensity and period", () => {
  test("given intensity 1, the first restart is allowed and a second within the period escalates", () => {
    const first = planRestart(flags("one_for_one", 1, 5000), [child("a")], "a", [], 1000);
    assert.equal(first.action, "restart");
    assert.deepEqual(planRestart(flags("one_for_one", 1, 5000), [child("a")], "a", first.restarts, 3000), {
      action: "escalate",
      restarts: [1000, 3000],
    });
  });

  test("restarts older than the period are forgotten; one exactly at the edge still counts", () => {
    const f = flags("one_for_one", 1, 5000);
    assert.equal(planRestart(f, [child("a")], "a", [1000], 6000).action, "escalate");
    const later = planRestart(f, [child("a")], "a", [1000], 6001);
    assert.equal(later.action, "restart");
    assert.deepEqual(later.restarts, [6001]);
  });

  test("given intensity 0, the first exit that needs a restart escalates", () => {
    assert.equal(planRestart(flags("one_for_one", 0), [child("a")], "a", [], 0).action, "escalate");
  });
});
