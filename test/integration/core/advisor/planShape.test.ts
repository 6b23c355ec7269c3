import assert from 'node:assert/strict';
import { advise, AdviseResult } from '../../../../src/core/advisor/advise';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { defaultRun } from '../../../../src/core/run';
import { freshDatabase } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';

/** Tables the statement's text does not reach (views, CTEs, MERGE, NATURAL JOIN, `*`): the plan names them. */
const SCHEMA = `
CREATE TABLE people (id int PRIMARY KEY, email text NOT NULL, city text NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO people SELECT g, 'user' || g || '@example.com', 'city' || (g % 1000), timestamptz '2024-01-01' + g * interval '1 minute'
  FROM generate_series(1, 200000) g;
CREATE TABLE orders (id int PRIMARY KEY, person_id int NOT NULL, amount int NOT NULL);
INSERT INTO orders SELECT g, (g * 7919) % 200000 + 1, g % 500 FROM generate_series(1, 200000) g;
CREATE TABLE cities (city text PRIMARY KEY, country text NOT NULL);
INSERT INTO cities SELECT 'city' || g, CASE WHEN g = 7 THEN 'NO' ELSE 'XX' END FROM generate_series(0, 999) g;
CREATE TABLE events (happened_at timestamptz NOT NULL, kind text NOT NULL, note text);
INSERT INTO events SELECT timestamptz '2024-01-01' + ((g * 7919) % 200000) * interval '1 second', 'k' || (g % 10), 'n' FROM generate_series(1, 200000) g;
CREATE VIEW v_people AS SELECT id, email AS mail, city FROM people;
CREATE VIEW v_contacts AS SELECT id AS person, mail AS contact FROM v_people;
CREATE SCHEMA archive;
CREATE TABLE archive.people (LIKE people);
INSERT INTO archive.people SELECT * FROM people;
CREATE VIEW v_archived AS SELECT id, email AS addr FROM archive.people;
CREATE VIEW v_orders AS SELECT id AS order_no, person_id AS buyer, amount FROM orders;
ANALYZE;`;

describe('advisor: candidates from the plan where the statement does not reach the table', function () {
  this.timeout(180_000);
  let db: Database;

  before(async () => {
    const url = await freshDatabase();
    db = new Database(targetFromUrl(url), { statementTimeoutMs: 120_000 });
    await queryUrl(url, SCHEMA);
  });
  after(() => db.end());

  const suggest = (sql: string) => advise(db, { sql }, defaultRun());
  const ddls = (r: AdviseResult) => r.suggestions.map((s) => s.ddl);
  const onlyDdl = (r: AdviseResult): string => {
    assert.equal(r.suggestions.length, 1, `one suggestion expected, got ${JSON.stringify(ddls(r))}; notes ${JSON.stringify(r.notes)}`);
    return r.suggestions[0].ddl;
  };

  it('a view renaming a column: the index goes on the base column', async () => {
    assert.match(onlyDdl(await suggest("SELECT * FROM v_people WHERE mail = 'user42@example.com'")), /ON public\.people \(email\)/);
  });

  it('a view over a view, both renaming: still the base column', async () => {
    assert.match(
      onlyDdl(await suggest("SELECT person FROM v_contacts WHERE contact = 'user42@example.com'")),
      /ON public\.people \(email\)/,
    );
  });

  it('a view over a table outside the search_path, with a namesake in public: the schema from the verbose plan', async () => {
    assert.match(onlyDdl(await suggest("SELECT id FROM v_archived WHERE addr = 'user42@example.com'")), /ON archive\.people \(email\)/);
  });

  it('a CTE PostgreSQL inlines (read once, NOT MATERIALIZED): the outer filter reaches the table', async () => {
    const once = "WITH p AS (SELECT * FROM people) SELECT id FROM p WHERE email = 'user42@example.com'";
    assert.match(onlyDdl(await suggest(once)), /ON public\.people \(email\)/);
    const notMaterialized = "WITH p AS NOT MATERIALIZED (SELECT * FROM people) SELECT id FROM p WHERE email = 'user42@example.com'";
    assert.match(onlyDdl(await suggest(notMaterialized)), /ON public\.people \(email\)/);
  });

  it('a MATERIALIZED CTE is a fence: no index through it', async () => {
    const r = await suggest("WITH p AS MATERIALIZED (SELECT * FROM people) SELECT id FROM p WHERE email = 'user42@example.com'");
    assert.deepEqual(ddls(r), []);
  });

  it('MERGE (which the parser cannot read): the join key from the plan', async () => {
    const r = await suggest(
      'MERGE INTO orders o USING (SELECT 4242 AS pid) s ON o.person_id = s.pid WHEN MATCHED THEN UPDATE SET amount = o.amount + 1',
    );
    assert.ok(
      r.notes.some((n) => /plan alone/.test(n)),
      JSON.stringify(r.notes),
    );
    assert.match(onlyDdl(r), /ON public\.orders \(person_id\)/);
  });

  it('NATURAL JOIN (which the parser cannot read): the join key from the plan', async () => {
    const r = await suggest("SELECT count(*) FROM people NATURAL JOIN cities WHERE country = 'NO'");
    assert.match(onlyDdl(r), /ON public\.people \(city\)/);
  });

  it('ORDER BY 1 DESC LIMIT n over SELECT *: the first column of the table, in that direction', async () => {
    const r = await suggest('SELECT * FROM events ORDER BY 1 DESC LIMIT 10');
    assert.match(onlyDdl(r), /ON public\.events \(happened_at DESC\)/);
  });

  // A GROUP BY under a LIMIT reads every row to build its groups; in the index's order the aggregate
  // streams one group after another and stops after n. Only the group key leads to that index.
  it('GROUP BY 2 and GROUP BY an alias: the group key, in index order, so the aggregate stops at the LIMIT', async () => {
    for (const sql of [
      'SELECT sum(amount) AS total, person_id FROM orders GROUP BY 2 LIMIT 10',
      'SELECT sum(o.amount) AS total, o.person_id AS who FROM orders o GROUP BY who LIMIT 10',
    ]) {
      const r = await suggest(sql);
      assert.match(onlyDdl(r), /ON public\.orders \(person_id\)/, sql);
      assert.match(
        r.suggestions[0].reason,
        /^Group by person_id, so the aggregate reads each group in index order and stops after 10/,
        sql,
      );
      assert.ok(r.suggestions[0].evidence.costAfter < r.suggestions[0].evidence.costBefore / 10, JSON.stringify(r.suggestions[0].evidence));
    }
  });

  it('GROUP BY 2 over * behind a view or a CTE: the plan names the base column', async () => {
    const viaView = await suggest('SELECT sum(amount) AS total, buyer FROM v_orders GROUP BY 2 LIMIT 10');
    assert.match(onlyDdl(viaView), /ON public\.orders \(person_id\)/);
    const viaCte = await suggest('WITH o AS (SELECT * FROM orders) SELECT count(*), person_id FROM o GROUP BY 2 LIMIT 5');
    assert.match(onlyDdl(viaCte), /ON public\.orders \(person_id\)/);
  });

  it('GROUP BY without a LIMIT or a filter reads every row anyway: no index for the group key alone', async () => {
    const r = await suggest('SELECT count(*), kind FROM events GROUP BY 2');
    assert.deepEqual(ddls(r), []);
  });
});
