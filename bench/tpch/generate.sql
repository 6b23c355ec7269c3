-- TPC-H data generator in SQL (PG Tuner benchmark), from the column rules of TPC-H 2.17.3, clause 4.2.3.
-- Deterministic: every "random" value is a hash (hashint8extended) of the row's key and a stream number,
-- never random(), so two loads of one scale factor hold the same rows.
--
--   psql -v sf=1 -f schema.sql(part above the constraints marker) -f generate.sql
--
-- Scale factor :sf (default 1): region 5, nation 25, supplier 10,000·SF, part 200,000·SF,
-- partsupp 4 per part, customer 150,000·SF, orders 1,500,000·SF, lineitem 1–7 per order (≈ 6,000,000·SF).
--
-- Follows the specification for: row counts; keys (sparse order keys, the first 8 of every 32; no
-- orders for customers whose key is a multiple of 3; the 4 suppliers of a part by the spec's formula,
-- lineitems taking one of them); dates (order date uniform in 1992-01-01 … 1998-12-31 minus 151 days;
-- ship = order + 1…121, commit = order + 30…90, receipt = ship + 1…30); return flag and line status
-- against CURRENTDATE 1995-06-17; order status and total price from the lineitems; retail price,
-- extended price, quantity, discount, tax, balances, availqty, supply cost; the name, brand, type,
-- container, segment, priority, ship mode and instruction vocabularies; phone numbers; and
-- SF·5 suppliers whose comment holds "Customer … Complaints" (and SF·5 "… Recommends") for Q16.
--
-- Departs from it (stated here): comments are substrings of a ~1 MB text pool built from the
-- specification's word classes in one simple sentence pattern (the spec's pool is 300 MB from a full
-- grammar with weighted words), at the specified lengths; addresses are hex characters of md5 (the
-- spec draws from 64 letters and digits); a part's five colour words are five steps of one
-- stride through the 92 colours (distinct, as the spec requires, but not every combination can occur).
\set ON_ERROR_STOP 1
\if :{?sf}
\else
\set sf 1
\endif
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';
SET synchronous_commit = off;

SELECT (10000 * :sf)::int AS n_supplier, (200000 * :sf)::int AS n_part, (150000 * :sf)::int AS n_customer,
       (1500000 * :sf)::int AS n_orders, greatest((1000 * :sf)::int, 1) AS n_clerk \gset

-- lo … hi, uniform, from (key, stream).
CREATE OR REPLACE FUNCTION pg_temp.rnd(k bigint, stream int, lo bigint, hi bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT lo + (hashint8extended(k, stream) & 9223372036854775807) % (hi - lo + 1) $$;

-- A money amount lo … hi with cents.
CREATE OR REPLACE FUNCTION pg_temp.money(k bigint, stream int, lo numeric, hi numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (pg_temp.rnd(k, stream, (lo * 100)::bigint, (hi * 100)::bigint) / 100.0)::numeric(15, 2) $$;

-- The spec's phone number: country code (nation + 10), then three random groups.
CREATE OR REPLACE FUNCTION pg_temp.phone(k bigint, nation int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (nation + 10) || '-' || pg_temp.rnd(k, 71, 100, 999) || '-' || pg_temp.rnd(k, 72, 100, 999) || '-' || pg_temp.rnd(k, 73, 1000, 9999) $$;

-- Text pool: sentences "<adjective> <noun> <verb> <adverb> <preposition> the <adjective> <noun><terminator> "
CREATE TEMP TABLE text_pool AS
WITH w AS (
  SELECT ARRAY['furious','sly','careful','blithe','quick','fluffy','slow','quiet','ruthless','thin','close','dogged','daring',
               'brave','stealthy','permanent','enticing','idle','busy','regular','final','ironic','even','bold','silent',
               'special','pending','unusual','express'] AS adj,
         ARRAY['foxes','ideas','theodolites','pinto beans','instructions','dependencies','excuses','platelets','asymptotes',
               'courts','dolphins','multipliers','sauternes','warthogs','frets','dinos','attainments','somas','Tiresias',
               'patterns','forges','braids','hockey players','frays','warhorses','dugouts','notornis','epitaphs','pearls',
               'tithes','waters','orbits','gifts','sheaves','depths','sentiments','decoys','realms','pains','grouches',
               'escapades','packages','requests','accounts','deposits'] AS noun,
         ARRAY['sleep','wake','are','cajole','haggle','nag','use','boost','affix','detect','integrate','maintain','nod','was',
               'lose','sublate','solve','thrash','promise','engage','hinder','print','x-ray','breach','eat','grow','impress',
               'mold','poach','serve','run','dazzle','snooze','doze','unwind','kindle','play','hang','believe','doubt'] AS verb,
         ARRAY['sometimes','always','never','furiously','slyly','carefully','blithely','quickly','fluffily','slowly','quietly',
               'ruthlessly','thinly','closely','doggedly','daringly','bravely','stealthily','permanently','enticingly','idly',
               'busily','regularly','finally','ironically','evenly','boldly','silently'] AS adv,
         ARRAY['about','above','according to','across','after','against','along','alongside of','among','around','at','atop',
               'before','behind','beneath','beside','besides','between','beyond','by','despite','during','except','for','from',
               'in place of','inside','instead of','into','near','of','on','outside','over','past','since','through',
               'throughout','to','toward','under','until','up','upon','without','with','within'] AS prep,
         ARRAY['.',';',':','?','!','--'] AS term
)
SELECT convert_to(string_agg(
         adj[1 + pg_temp.rnd(i, 1, 0, cardinality(adj) - 1)] || ' ' || noun[1 + pg_temp.rnd(i, 2, 0, cardinality(noun) - 1)] || ' ' ||
         verb[1 + pg_temp.rnd(i, 3, 0, cardinality(verb) - 1)] || ' ' || adv[1 + pg_temp.rnd(i, 4, 0, cardinality(adv) - 1)] || ' ' ||
         prep[1 + pg_temp.rnd(i, 5, 0, cardinality(prep) - 1)] || ' the ' || adj[1 + pg_temp.rnd(i, 6, 0, cardinality(adj) - 1)] || ' ' ||
         noun[1 + pg_temp.rnd(i, 7, 0, cardinality(noun) - 1)] || term[1 + pg_temp.rnd(i, 8, 0, cardinality(term) - 1)],
         ' ' ORDER BY i), 'SQL_ASCII') AS pool
  FROM w, generate_series(1, 16000) i;
SELECT length(pool) AS pool_bytes FROM text_pool \gset

-- Comment text of lo … hi characters at a random offset of the pool (bytea substring: constant time).
CREATE OR REPLACE FUNCTION pg_temp.comment(pool bytea, pool_bytes int, k bigint, stream int, lo int, hi int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT encode(substring(pool FROM pg_temp.rnd(k, stream, 1, pool_bytes - hi)::int FOR pg_temp.rnd(k, stream + 1000, lo, hi)::int), 'escape') $$;

INSERT INTO region (r_regionkey, r_name, r_comment)
SELECT r - 1, (ARRAY['AFRICA','AMERICA','ASIA','EUROPE','MIDDLE EAST'])[r], pg_temp.comment((SELECT pool || ''::bytea FROM text_pool), :pool_bytes, r, 10, 31, 115)
  FROM generate_series(1, 5) r;

INSERT INTO nation (n_nationkey, n_name, n_regionkey, n_comment)
SELECT n.k, n.name, n.region, pg_temp.comment((SELECT pool || ''::bytea FROM text_pool), :pool_bytes, 100 + n.k, 10, 31, 114)
  FROM (VALUES (0,'ALGERIA',0),(1,'ARGENTINA',1),(2,'BRAZIL',1),(3,'CANADA',1),(4,'EGYPT',4),(5,'ETHIOPIA',0),(6,'FRANCE',3),
               (7,'GERMANY',3),(8,'INDIA',2),(9,'INDONESIA',2),(10,'IRAN',4),(11,'IRAQ',4),(12,'JAPAN',2),(13,'JORDAN',4),
               (14,'KENYA',0),(15,'MOROCCO',0),(16,'MOZAMBIQUE',0),(17,'PERU',1),(18,'CHINA',2),(19,'ROMANIA',3),
               (20,'SAUDI ARABIA',4),(21,'VIETNAM',2),(22,'RUSSIA',3),(23,'UNITED KINGDOM',3),(24,'UNITED STATES',1)) n(k, name, region);

INSERT INTO supplier (s_suppkey, s_name, s_address, s_nationkey, s_phone, s_acctbal, s_comment)
SELECT s, 'Supplier#' || lpad(s::text, 9, '0'), substr(md5(s::text) || md5((-s)::text), 1, pg_temp.rnd(s, 20, 10, 40)::int),
       nk, pg_temp.phone(s, nk), pg_temp.money(s, 21, -999.99, 9999.99),
       CASE s % 2000
         WHEN 17 THEN left(pg_temp.comment((SELECT pool || ''::bytea FROM text_pool), :pool_bytes, s, 22, 25, 60), 40) || ' Customer slyly unusual Complaints'
         WHEN 1017 THEN left(pg_temp.comment((SELECT pool || ''::bytea FROM text_pool), :pool_bytes, s, 22, 25, 60), 40) || ' Customer carefully even Recommends'
         ELSE pg_temp.comment((SELECT pool || ''::bytea FROM text_pool), :pool_bytes, s, 22, 25, 100)
       END
  FROM generate_series(1, :n_supplier) s, LATERAL (SELECT pg_temp.rnd(s, 24, 0, 24)::int AS nk) n;

INSERT INTO part (p_partkey, p_name, p_mfgr, p_brand, p_type, p_size, p_container, p_retailprice, p_comment)
WITH c AS (
  SELECT ARRAY['almond','antique','aquamarine','azure','beige','bisque','black','blanched','blue','blush','brown','burlywood',
               'burnished','chartreuse','chiffon','chocolate','coral','cornflower','cornsilk','cream','cyan','dark','deep','dim',
               'dodger','drab','firebrick','floral','forest','frosted','gainsboro','ghost','goldenrod','green','grey','honeydew',
               'hot','indian','ivory','khaki','lace','lavender','lawn','lemon','light','lime','linen','magenta','maroon','medium',
               'metallic','midnight','mint','misty','moccasin','navajo','navy','olive','orange','orchid','pale','papaya','peach',
               'peru','pink','plum','powder','puff','purple','red','rose','rosy','royal','saddle','salmon','sandy','seashell',
               'sienna','sky','slate','smoke','snow','spring','steel','tan','thistle','tomato','turquoise','violet','wheat',
               'white','yellow'] AS colour
)
SELECT k,
       (SELECT string_agg(colour[1 + (pg_temp.rnd(k, 30, 0, 91) + j * pg_temp.rnd(k, 31, 1, 18)) % 92], ' ' ORDER BY j) FROM generate_series(0, 4) j),
       'Manufacturer#' || m, 'Brand#' || m || pg_temp.rnd(k, 33, 1, 5),
       (ARRAY['STANDARD','SMALL','MEDIUM','LARGE','ECONOMY','PROMO'])[1 + pg_temp.rnd(k, 34, 0, 5)] || ' ' ||
       (ARRAY['ANODIZED','BURNISHED','PLATED','POLISHED','BRUSHED'])[1 + pg_temp.rnd(k, 35, 0, 4)] || ' ' ||
       (ARRAY['TIN','NICKEL','BRASS','STEEL','COPPER'])[1 + pg_temp.rnd(k, 36, 0, 4)],
       pg_temp.rnd(k, 37, 1, 50),
       (ARRAY['SM','LG','MED','JUMBO','WRAP'])[1 + pg_temp.rnd(k, 38, 0, 4)] || ' ' ||
       (ARRAY['CASE','BOX','BAG','JAR','PKG','PACK','CAN','DRUM'])[1 + pg_temp.rnd(k, 39, 0, 7)],
       (90000 + ((k / 10) % 20001) + 100 * (k % 1000)) / 100.0,
       pg_temp.comment((SELECT pool || ''::bytea FROM text_pool), :pool_bytes, k, 40, 5, 22)
  FROM c, generate_series(1, :n_part) k, LATERAL (SELECT pg_temp.rnd(k, 32, 1, 5) AS m) mm;

-- The spec's 4 suppliers of part p: (p + i·(S/4 + (p−1)/S)) mod S + 1, i = 0 … 3.
INSERT INTO partsupp (ps_partkey, ps_suppkey, ps_availqty, ps_supplycost, ps_comment)
SELECT k, (k + i * (:n_supplier / 4 + (k - 1) / :n_supplier)) % :n_supplier + 1,
       pg_temp.rnd(k * 4 + i, 50, 1, 9999), pg_temp.money(k * 4 + i, 51, 1, 1000),
       pg_temp.comment((SELECT pool || ''::bytea FROM text_pool), :pool_bytes, k * 4 + i, 52, 49, 198)
  FROM generate_series(1, :n_part) k, generate_series(0, 3) i;

INSERT INTO customer (c_custkey, c_name, c_address, c_nationkey, c_phone, c_acctbal, c_mktsegment, c_comment)
SELECT k, 'Customer#' || lpad(k::text, 9, '0'), substr(md5(k::text) || md5((-k)::text), 1, pg_temp.rnd(k, 60, 10, 40)::int),
       nk, pg_temp.phone(k, nk), pg_temp.money(k, 62, -999.99, 9999.99),
       (ARRAY['AUTOMOBILE','BUILDING','FURNITURE','MACHINERY','HOUSEHOLD'])[1 + pg_temp.rnd(k, 63, 0, 4)],
       pg_temp.comment((SELECT pool || ''::bytea FROM text_pool), :pool_bytes, k, 64, 29, 116)
  FROM generate_series(1, :n_customer) k, LATERAL (SELECT pg_temp.rnd(k, 61, 0, 24)::int AS nk) n;

-- Orders before their lineitems: key, date and line count come from the order's number i.
CREATE TEMP TABLE order_gen AS
SELECT ((i - 1) / 8) * 32 + (i - 1) % 8 + 1 AS okey,
       DATE '1992-01-01' + pg_temp.rnd(i, 80, 0, (DATE '1998-12-31' - 151) - DATE '1992-01-01')::int AS odate,
       pg_temp.rnd(i, 81, 1, 7)::int AS lines, i
  FROM generate_series(1, :n_orders) i;

INSERT INTO lineitem
SELECT okey, pk, (pk + si * (:n_supplier / 4 + (pk - 1) / :n_supplier)) % :n_supplier + 1, ln, qty,
       qty * ((90000 + ((pk / 10) % 20001) + 100 * (pk % 1000)) / 100.0),
       pg_temp.rnd(lk, 92, 0, 10) / 100.0, pg_temp.rnd(lk, 93, 0, 8) / 100.0,
       CASE WHEN receipt <= DATE '1995-06-17' THEN (ARRAY['R','A'])[1 + pg_temp.rnd(lk, 94, 0, 1)] ELSE 'N' END,
       CASE WHEN ship > DATE '1995-06-17' THEN 'O' ELSE 'F' END,
       ship, odate + pg_temp.rnd(lk, 95, 30, 90)::int, receipt,
       (ARRAY['DELIVER IN PERSON','COLLECT COD','NONE','TAKE BACK RETURN'])[1 + pg_temp.rnd(lk, 96, 0, 3)],
       (ARRAY['REG AIR','AIR','RAIL','SHIP','TRUCK','MAIL','FOB'])[1 + pg_temp.rnd(lk, 97, 0, 6)],
       pg_temp.comment((SELECT pool || ''::bytea FROM text_pool), :pool_bytes, lk, 98, 10, 43)
  FROM order_gen o, generate_series(1, o.lines) ln,
       LATERAL (SELECT o.okey::bigint * 8 + ln AS lk) l,
       LATERAL (SELECT pg_temp.rnd(lk, 90, 1, :n_part)::int AS pk, pg_temp.rnd(lk, 91, 0, 3)::int AS si,
                       pg_temp.rnd(lk, 99, 1, 50) AS qty, o.odate + pg_temp.rnd(lk, 100, 1, 121)::int AS ship) r,
       LATERAL (SELECT r.ship + pg_temp.rnd(lk, 101, 1, 30)::int AS receipt) rc;

-- Customers 1 … C not divisible by 3: the x-th of them is x + (x − 1) / 2.
INSERT INTO orders (o_orderkey, o_custkey, o_orderstatus, o_totalprice, o_orderdate, o_orderpriority, o_clerk, o_shippriority, o_comment)
SELECT o.okey, x + (x - 1) / 2,
       CASE WHEN l.all_f THEN 'F' WHEN l.all_o THEN 'O' ELSE 'P' END, l.total, o.odate,
       (ARRAY['1-URGENT','2-HIGH','3-MEDIUM','4-NOT SPECIFIED','5-LOW'])[1 + pg_temp.rnd(o.i, 83, 0, 4)],
       'Clerk#' || lpad(pg_temp.rnd(o.i, 84, 1, :n_clerk)::text, 9, '0'), 0,
       pg_temp.comment((SELECT pool || ''::bytea FROM text_pool), :pool_bytes, o.i, 85, 19, 78)
  FROM order_gen o
  JOIN (SELECT l_orderkey, sum(l_extendedprice * (1 + l_tax) * (1 - l_discount))::numeric(15, 2) AS total,
               bool_and(l_linestatus = 'F') AS all_f, bool_and(l_linestatus = 'O') AS all_o
          FROM lineitem GROUP BY l_orderkey) l ON l.l_orderkey = o.okey,
       LATERAL (SELECT pg_temp.rnd(o.i, 82, 1, (:n_customer * 2) / 3) AS x) c;

DROP TABLE order_gen;
DROP TABLE text_pool;
