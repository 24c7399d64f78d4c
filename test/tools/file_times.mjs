// Node test reporter: "<seconds> <file>" per test file, as each file's process ends (its whole run:
// start-up, hooks and tests). run-all adds it when WA_MCP_TEST_REPORTS keeps the reports, to find
// the slow files; Deno's JUnit report has its per-test times.
export default async function* fileTimes(source) {
  for await (const event of source) {
    const d = event.data;
    if (event.type === "test:complete" && d?.nesting === 0 && d.file && d.name === d.file) {
      yield `${(d.details.duration_ms / 1000).toFixed(1)} ${d.file}\n`;
    }
  }
}
