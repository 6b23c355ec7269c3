/**
 * A slice of shared/bench for tests of the editor features: users and alerts with the bench's
 * skew (95% of users active, a few dozen unresolved critical alerts among 60k), deterministic
 * data, no secondary indexes.
 */
export const BENCH_SLICE_SQL = `
CREATE TABLE users (
  id bigint PRIMARY KEY, email text NOT NULL, full_name text NOT NULL, role text NOT NULL,
  is_active boolean NOT NULL, created_at timestamptz NOT NULL, last_login_at timestamptz);
INSERT INTO users
SELECT g, 'user' || g || '@example.com', 'User ' || g,
       (ARRAY['actor', 'director', 'crew', 'producer', 'writer'])[1 + (g * 7919) % 5],
       g % 20 <> 0, timestamptz '2020-01-01' + g * interval '37 minutes', timestamptz '2024-01-01' + ((g::bigint * 104729) % 500000) * interval '1 minute'
FROM generate_series(1, 40000) g;
CREATE TABLE alerts (
  id bigint PRIMARY KEY, facility_id int NOT NULL, vaccine_id int NOT NULL, alert_type text NOT NULL,
  severity text NOT NULL, created_at timestamptz NOT NULL, resolved_at timestamptz);
INSERT INTO alerts
SELECT g, g % 500, g % 40, (ARRAY['low_stock', 'expiry', 'temperature'])[1 + g % 3],
       CASE WHEN g % 10 = 0 THEN 'critical' WHEN g % 3 = 0 THEN 'warning' ELSE 'info' END,
       timestamptz '2024-01-01' + g * interval '1 minute',
       CASE WHEN g % 1000 = 0 OR g > 59950 THEN NULL ELSE timestamptz '2024-01-01' + g * interval '1 minute' + interval '2 hours' END
FROM generate_series(1, 60000) g;
ANALYZE users;
ANALYZE alerts;`;

/** The bench's open_critical_alerts query: ideally served by a partial index on (created_at). */
export const OPEN_CRITICAL_ALERTS = `SELECT id, facility_id, vaccine_id, alert_type, created_at
FROM alerts
WHERE resolved_at IS NULL AND severity = 'critical'
ORDER BY created_at DESC
LIMIT 50`;
