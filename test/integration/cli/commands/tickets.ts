/** The table the advise and explain CLI tests plan against: 100k tickets in 500 queues, no index but the key. */
export const TICKETS_SQL = `CREATE TABLE tickets (id bigint PRIMARY KEY, queue int NOT NULL, opened_at timestamptz NOT NULL, title text NOT NULL);
  INSERT INTO tickets SELECT n, n % 500, timestamptz '2024-01-01' + n * interval '1 minute', 'ticket ' || n FROM generate_series(1, 100000) n;
  ANALYZE tickets;`;
