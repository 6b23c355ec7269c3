/** Plans as users bring them from elsewhere: psql's text output and an auto_explain log line. */

/** psql's output of EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL 15, with its header and footer. */
export const PSQL_TEXT = `                                                     QUERY PLAN
---------------------------------------------------------------------------------------------------------------------
 Limit  (cost=1340.31..1340.42 rows=47 width=33) (actual time=13.398..13.405 rows=50 loops=1)
   Buffers: shared hit=592
   ->  Sort  (cost=1340.31..1340.42 rows=47 width=33) (actual time=13.397..13.400 rows=50 loops=1)
         Sort Key: created_at DESC
         Sort Method: quicksort  Memory: 29kB
         Buffers: shared hit=592
         ->  Seq Scan on alerts  (cost=0.00..1339.00 rows=47 width=33) (actual time=1.250..13.360 rows=54 loops=1)
               Filter: ((resolved_at IS NULL) AND (severity = 'critical'::text))
               Rows Removed by Filter: 59946
               Buffers: shared hit=589
 Planning Time: 0.066 ms
 Execution Time: 13.430 ms
(12 rows)
`;

/** An auto_explain line (auto_explain.log_format = json) as it appears in the server log. */
export const AUTO_EXPLAIN_LOG = `2026-11-30 10:00:00.123 UTC [4242] LOG:  duration: 13.430 ms  plan:
	{
	  "Query Text": "SELECT id FROM alerts WHERE resolved_at IS NULL",
	  "Plan": {
	    "Node Type": "Seq Scan",
	    "Parallel Aware": false,
	    "Relation Name": "alerts",
	    "Alias": "alerts",
	    "Startup Cost": 0.00,
	    "Total Cost": 1339.00,
	    "Plan Rows": 600,
	    "Plan Width": 8,
	    "Actual Startup Time": 0.011,
	    "Actual Total Time": 13.100,
	    "Actual Rows": 612,
	    "Actual Loops": 1,
	    "Filter": "(resolved_at IS NULL)",
	    "Rows Removed by Filter": 59388
	  }
	}
2026-11-30 10:00:01.000 UTC [4242] LOG:  statement: SELECT 1`;
