import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { maskPostgresUrl } from "../../src/store/postgres/postgres-store.ts";

/**
 * Tests that need PostgreSQL: the server at ASSAY_TEST_PG_URL (default the local one with trust
 * auth, database `test`; `.ci/run` makes sure it answers). Each test file works in a fresh schema
 * of its own, so nothing depends on, or leaves behind, other files' rows.
 */
export const PG_BASE_URL = process.env.ASSAY_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export function freshSchemaName(): string {
  return `assay_test_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/** The base URL with `schema` first on the search_path (how the CLI is pointed at it). */
export function schemaUrl(schema: string): string {
  const url = new URL(PG_BASE_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url.toString();
}

export async function pgAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_BASE_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${maskPostgresUrl(PG_BASE_URL)} (${(err as Error).message}). ` +
        "Start it (`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, as .ci/run does) " +
        "or point ASSAY_TEST_PG_URL at a server with a database you may create schemas in.",
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A schema created before the file's tests and dropped after them; `extra()` names more schemas
 * (dropped too). Call at the top level of a test file.
 */
export function freshSchemaPerFile(): { name: string; url: string; extra(): { name: string; url: string } } {
  const name = freshSchemaName();
  const more: string[] = [];
  beforeAll(async () => {
    await pgAdmin((c) => c.query(`CREATE SCHEMA ${name}`));
  });
  afterAll(async () => {
    await pgAdmin(async (c) => {
      for (const s of [name, ...more]) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    });
  });
  return {
    name,
    url: schemaUrl(name),
    extra() {
      const s = `${name}_${more.length + 1}`;
      more.push(s);
      return { name: s, url: schemaUrl(s) };
    },
  };
}
