/**
 * On a Supabase-style PostgreSQL (API roles `anon` and `authenticated` with default grants on new
 * tables), the store's tables, the WhatsApp session first, are readable by the server's own role
 * only: the migrations enable row-level security with no policy and revoke the API roles' grants.
 * The API roles are created here when missing (the product never creates them).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import postgres from "postgres";
import { openPostgresRepository } from "../../src/store/postgres/repository.ts";
import { pgTestServer } from "./pg_harness.ts";

const pg = await pgTestServer("wa_rls");

/** Creates a NOLOGIN role unless it exists (another test run may create it at the same moment). */
async function ensureRole(admin: postgres.Sql, name: string): Promise<void> {
  await admin.unsafe(`DO $$ BEGIN CREATE ROLE ${name} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
}

/** What `role` sees of `table`: its row count, or the error PostgreSQL gives it. */
async function asRole(admin: postgres.Sql, role: string, sql: string): Promise<number | string> {
  try {
    return await admin.begin(async (tx) => {
      await tx.unsafe(`SET LOCAL ROLE ${role}`);
      const rows = await tx.unsafe(sql);
      return Number((rows[0] as unknown as { n: unknown }).n);
    }) as number;
  } catch (err) {
    return (err as Error).message;
  }
}

describe("PostgreSQL: row-level security for Supabase-style API roles", { skip: pg.skip }, () => {
  test("anon and authenticated cannot read the session or the mirror; the server's own role can", async () => {
    const adminUrl = await pg.freshSchemaUrl();
    const u = new URL(adminUrl);
    const schema = u.searchParams.get("search_path")!;
    const owner = `wa_rls_owner_${process.pid}_${Date.now().toString(36)}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    let repo: Awaited<ReturnType<typeof openPostgresRepository>> | null = null;
    try {
      await ensureRole(admin, "anon");
      await ensureRole(admin, "authenticated");
      await admin.unsafe(`CREATE ROLE ${owner} LOGIN`);
      await admin.unsafe(`ALTER SCHEMA ${schema} OWNER TO ${owner}`);
      // What Supabase does: API roles may use the schema and get every new table.
      await admin.unsafe(`GRANT USAGE ON SCHEMA ${schema} TO anon, authenticated`);
      await admin.unsafe(`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT ALL ON TABLES TO anon, authenticated`);

      const ownerUrl = new URL(adminUrl);
      ownerUrl.username = owner;
      repo = await openPostgresRepository({ url: ownerUrl.toString() });
      await repo.commit([
        { op: "setAuth", category: "creds", id: "creds", value: '{"noiseKey":"secret"}' },
        { op: "setMeta", key: "waVersion", value: "2.3000.1" },
      ]);
      assert.deepEqual(await repo.authGet("creds", ["creds"]), { creds: '{"noiseKey":"secret"}' }, "the server's role reads its session");

      for (const role of ["anon", "authenticated"]) {
        for (const table of ["auth", "meta", "messages", "chats"]) {
          const seen = await asRole(admin, role, `SELECT count(*) AS n FROM ${schema}.${table}`);
          assert.match(String(seen), /permission denied/, `${role} on ${table}: ${seen}`);
        }
      }
      // Even if someone grants the API roles access again, row-level security shows them nothing.
      await admin.unsafe(`GRANT SELECT ON ${schema}.auth, ${schema}.meta TO anon`);
      assert.equal(await asRole(admin, "anon", `SELECT count(*) AS n FROM ${schema}.auth`), 0);
      assert.equal(await asRole(admin, "anon", `SELECT count(*) AS n FROM ${schema}.meta`), 0);
      assert.deepEqual(await repo.authGet("creds", ["creds"]), { creds: '{"noiseKey":"secret"}' });

      const tables = await admin.unsafe(
        `SELECT c.relname, c.relrowsecurity FROM pg_class c WHERE c.relnamespace = '${schema}'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1`,
      );
      assert.ok(tables.length >= 10, `tables: ${tables.length}`);
      const open = tables.filter((t) => !t.relrowsecurity).map((t) => t.relname);
      assert.deepEqual(open, [], "every table of the store has row-level security (a new table needs it in its migration)");

      await repo.close();
      repo = await openPostgresRepository({ url: ownerUrl.toString() });
      assert.deepEqual(await repo.authGet("creds", ["creds"]), { creds: '{"noiseKey":"secret"}' }, "reopened by its owner");
    } finally {
      await repo?.close();
      await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await admin.unsafe(`DROP OWNED BY ${owner}`).catch(() => {});
      await admin.unsafe(`DROP ROLE IF EXISTS ${owner}`).catch(() => {});
      await admin.end({ timeout: 5 });
    }
  });
});
