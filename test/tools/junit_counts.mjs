// Counts of a JUnit report written by `node --test --test-reporter=junit` or `deno test --junit-path`
// (pure: the XML text in, numbers out). Leaf tests only, like a person would count them: a Deno
// describe() block is a test whose test()s are steps ("block > test"), so a test case another case's
// name starts with ("name > ") is a container and not counted. A skipped suite counts as one skip
// (its tests never ran, so their number is unknown); an ignored Deno step counts as one.

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes the XML entities of an attribute value. */
function unescapeXml(text) {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (all, e) => {
    if (e[0] === "#") return String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENTITIES[e] ?? all;
  });
}

function attr(attrs, name) {
  const m = new RegExp(`\\b${name}="([^"]*)"`).exec(attrs);
  return m ? unescapeXml(m[1]) : undefined;
}

/**
 * `{ pass, fail, skip, skipped: [{ name, reason }] }` of a JUnit report.
 * @param {string} xml the report
 * @param {"node" | "deno"} flavour which runner wrote it
 */
export function junitCounts(xml, flavour) {
  const cases = [];
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = m[2] ?? "";
    const skipped = /<skipped\b([^>]*)/.exec(body);
    cases.push({
      name: attr(m[1], "name") ?? "",
      failed: /<(failure|error)\b/.test(body),
      skipped: !!skipped,
      reason: skipped ? attr(skipped[1], "message") ?? "" : "",
    });
  }
  const containers = new Set();
  if (flavour === "deno") {
    for (const c of cases) {
      const parts = c.name.split(" > ");
      for (let i = 1; i < parts.length; i++) containers.add(parts.slice(0, i).join(" > "));
    }
  }
  const leaves = cases.filter((c) => !containers.has(c.name));
  const skipped = leaves.filter((c) => c.skipped && !c.failed);
  return {
    pass: leaves.filter((c) => !c.failed && !c.skipped).length,
    fail: leaves.filter((c) => c.failed).length,
    skip: skipped.length,
    skipped: skipped.map((c) => ({ name: c.name, reason: c.reason === "skipped" ? "" : c.reason })),
  };
}
