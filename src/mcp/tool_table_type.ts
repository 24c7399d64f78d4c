/** The shape of the static tool table (src/mcp/tool_table.ts): the raw JSON of the server's lists. */
export interface StaticLists {
  tools: Array<{ name: string } & Record<string, unknown>>;
  resources: Array<{ uri: string } & Record<string, unknown>>;
  resourceTemplates: Array<Record<string, unknown>>;
}
