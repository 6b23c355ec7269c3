/**
 * A slice of shared/bench for tests of the editor features: users and alerts with the bench's
 * skew (95% of users active; 8% of alerts critical, about 1% unresolved, a few dozen both among
 * 60k), deterministic data, no secondary indexes.
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
       CASE WHEN u.sev < 0.55 THEN 'info' WHEN u.sev < 0.92 THEN 'warning' ELSE 'critical' END,
       timestamptz '2024-01-01' + g * interval '1 minute',
       -- Recent alerts (the last 2%) are 45% open; older ones almost all resolved.
       CASE WHEN g > 58800 AND u.res < 0.45 THEN NULL WHEN g <= 58800 AND u.res < 0.0004 THEN NULL
            ELSE timestamptz '2024-01-01' + g * interval '1 minute' + interval '2 hours' END
FROM generate_series(1, 60000) g,
LATERAL (SELECT (hashint4(g * 2 + 0)::bigint & 2147483647) / 2147483647.0 AS sev,
                (hashint4(g * 2 + 1)::bigint & 2147483647) / 2147483647.0 AS res) u;
ANALYZE users;
ANALYZE alerts;`;

/** The bench's open_critical_alerts query: ideally served by a partial index on (created_at). */
export const OPEN_CRITICAL_ALERTS = `SELECT id, facility_id, vaccine_id, alert_type, created_at
FROM alerts
WHERE resolved_at IS NULL AND severity = 'critical'
ORDER BY created_at DESC
LIMIT 50`;
