/** The typed EXPLAIN (FORMAT JSON) tree the advisor, the CLI and the plan view share. */

export interface Buffers {
  sharedHit: number;
  sharedRead: number;
  sharedDirtied: number;
  sharedWritten: number;
  tempRead: number;
  tempWritten: number;
}

export interface PlanNode {
  /** Stable id in depth-first order (0 = root), for the UI to key on. */
  id: number;
  nodeType: string;
  /** The operation as EXPLAIN's text names it ("Finalize HashAggregate", "Parallel Seq Scan"); absent in plans stored before it existed. */
  operation?: string;
  relation?: string;
  schema?: string;
  alias?: string;
  index?: string;
  joinType?: string;
  /** Filter / Index Cond / Hash Cond … as EXPLAIN printed them. */
  conditions: { label: string; text: string }[];
  startupCost: number;
  totalCost: number;
  planRows: number;
  planWidth: number;
  /** Present with ANALYZE. Per loop, as EXPLAIN reports them. */
  actualRows?: number;
  loops?: number;
  /** Time to the first row, per loop, ms. */
  actualStartupMs?: number;
  /** Inclusive time of all loops (actual total time × loops), ms. */
  inclusiveMs?: number;
  /** Inclusive time minus the children's inclusive time, ms. */
  exclusiveMs?: number;
  /** max(est/actual, actual/est) over all loops; 1 = exact. */
  misestimate?: number;
  rowsRemovedByFilter?: number;
  heapFetches?: number;
  sortMethod?: string;
  buffers?: Buffers;
  /** This node's own share (0..1) of the statement: of the measured time with ANALYZE, else of the total cost. */
  share?: number;
  /** On the path from the root to the node with the largest own share: the slowest path, shown without expanding. */
  onSlowestPath?: boolean;
  children: PlanNode[];
}

export type HotspotKind = 'seq-scan' | 'sort' | 'nested-loop-inner' | 'heap-fetches' | 'misestimate';

export interface Hotspot {
  nodeId: number;
  kind: HotspotKind;
  /** Share of the statement's execution time (0..1) or of the total cost without ANALYZE. */
  share: number;
  message: string;
}

export interface Plan {
  root: PlanNode;
  totalCost: number;
  planningMs: number | null;
  executionMs: number | null;
  analyzed: boolean;
  /** Why the plan is not what was asked for (e.g. plain EXPLAIN instead of ANALYZE because of side effects). */
  notes?: string[];
  hotspots: Hotspot[];
  /**
   * The same statement under EXPLAIN (VERBOSE) without ANALYZE, when the side-effect check planned
   * it anyway: relations carry their schema and column references their alias (the advisor reads
   * the shape from it).
   */
  verbose?: PlanNode;
  /** The server's JSON, untouched, for the "raw" view. */
  raw: unknown;
}
