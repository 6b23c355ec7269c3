-- PG Tuner sample workload: a film-crew job board and a facility alert tracker, smaller than
-- bench/workload but skewed the same way (rare statuses, a boolean flag, append-only time columns).
-- Deterministic: every value comes from hashint4 of the row number. Used by the demo and the
-- advisor integration tests.
CREATE TABLE users (
  id bigint PRIMARY KEY, email text NOT NULL, role text NOT NULL, is_active boolean NOT NULL,
  location text, skills text[] NOT NULL, created_at timestamptz NOT NULL, last_login_at timestamptz
);
INSERT INTO users
SELECT n, 'user' || n || '@example.com',
       CASE WHEN n % 100 < 60 THEN 'crew' WHEN n % 100 < 90 THEN 'actor' WHEN n % 100 < 96 THEN 'writer' ELSE 'director' END,
       (hashint4(n) & 1023) >= 51,
       (ARRAY['Lagos','Abuja','Accra','Nairobi','Kano'])[1 + (hashint4(n + 7) & 1023) % 5],
       ARRAY[(ARRAY['steadicam','drone','gaffer','editing','sound','makeup','grip','vfx'])[1 + (hashint4(n) & 1023) % 8],
             (ARRAY['lighting','casting','acting','writing','dance','rigging','foley','props','nuke','maya'])[1 + (hashint4(n + 3) & 1023) % 10]],
       timestamptz '2022-01-01' + n * interval '5 minutes',
       timestamptz '2022-01-01' + n * interval '5 minutes' + (hashint4(n + 11) & 1023) * interval '1 hour'
  FROM generate_series(1, 200000) n;

CREATE TABLE orders (
  id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), total numeric NOT NULL,
  status text NOT NULL, created_at timestamptz NOT NULL
);
INSERT INTO orders
SELECT n, 1 + (hashint4(n) & 2147483647) % 200000, (n % 500) + 0.99,
       CASE WHEN n > 297000 THEN 'pending' WHEN n % 10 = 0 THEN 'refunded' ELSE 'shipped' END,
       timestamptz '2023-01-01' + n * interval '1 minute'
  FROM generate_series(1, 300000) n;

CREATE TABLE alerts (
  id bigint PRIMARY KEY, facility_id int NOT NULL, severity text NOT NULL,
  created_at timestamptz NOT NULL, resolved_at timestamptz
);
INSERT INTO alerts
SELECT n, 1 + (hashint4(n) & 2147483647) % 2000,
       CASE WHEN n % 100 < 55 THEN 'info' WHEN n % 100 < 92 THEN 'warning' ELSE 'critical' END,
       timestamptz '2023-01-01' + n * interval '2 minutes',
       CASE WHEN n > 198000 AND n % 2 = 0 THEN NULL ELSE timestamptz '2023-01-01' + n * interval '2 minutes' + interval '3 hours' END
  FROM generate_series(1, 200000) n;

CREATE TABLE events (
  id bigint PRIMARY KEY, actor_id int, action text NOT NULL, details jsonb NOT NULL, created_at timestamptz NOT NULL
);
INSERT INTO events
SELECT n, 1 + (hashint4(n) & 2147483647) % 50000,
       (ARRAY['login','update','delete','create'])[1 + n % 4],
       jsonb_build_object('client', (ARRAY['web','api','ios','android'])[1 + (hashint4(n) & 1023) % 4],
                          'fields', jsonb_build_array((ARRAY['email','name','payout_account','bio','avatar'])[1 + (hashint4(n + 1) & 1023) % 5])),
       timestamptz '2024-01-01' + n * interval '20 seconds'
  FROM generate_series(1, 600000) n;

CREATE TABLE docs (id bigint PRIMARY KEY, title text NOT NULL, body text NOT NULL);
INSERT INTO docs
SELECT n, 'Studio ' || (ARRAY['Sunset','Harbor','Golden','Silver','Northern','Eastern'])[1 + (hashint4(n) & 1023) % 6]
          || ' ' || (ARRAY['Reel','Pictures','Films','Media','Works'])[1 + (hashint4(n + 5) & 1023) % 5] || ' ' || n,
       'A ' || (ARRAY['documentary','drama','comedy','thriller','musical'])[1 + n % 5] || ' about '
          || (ARRAY['afrobeat','football','cooking','politics','fishing','weddings','markets'])[1 + (hashint4(n + 9) & 1023) % 7]
  FROM generate_series(1, 60000) n;

CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
INSERT INTO countries VALUES ('NG', 'Nigeria'), ('GH', 'Ghana'), ('KE', 'Kenya');
