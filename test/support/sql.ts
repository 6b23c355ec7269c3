/** One-shot SQL for tests: each call opens its own connection and closes it. */
import { Client } from 'pg';

/** Runs `sql` on the database at `url` and returns the rows (loosely typed by default: tests read them freely). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function queryUrl<R extends Record<string, unknown> = Record<string, any>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** (Re)creates database `name` on the server of `serverUrl`, runs `setupSql` in it and returns its URL. */
export async function databaseWith(serverUrl: string, name: string, setupSql: string): Promise<string> {
  await queryUrl(serverUrl, `DROP DATABASE IF EXISTS ${name}`);
  await queryUrl(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await queryUrl(url.toString(), setupSql);
  return url.toString();
}

/** Runs `sql` on a connection of its own that stays open (its transaction keeps its locks) until `work` is done. */
export async function whileHolding<T>(url: string, sql: string, work: () => Promise<T>): Promise<T> {
  const holder = new Client({ connectionString: url });
  await holder.connect();
  try {
    await holder.query(sql);
    return await work();
  } finally {
    await holder.end();
  }
}
