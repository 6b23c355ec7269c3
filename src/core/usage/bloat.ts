/**
 * Bloat estimates from statistics alone (no pgstattuple, no superuser): the size a relation
 * would have if freshly built from its current row count and average row width, compared with
 * its size on disk. Rough by nature (alignment, NULLs, TOAST are approximated), so a relation is
 * only called bloated well past the estimate's error.
 */

const MAXALIGN = 8;
const PAGE_HEADER = 24;
const LINE_POINTER = 4;
const BTREE_SPECIAL = 16;
const INDEX_TUPLE_HEADER = 8;
const HEAP_TUPLE_HEADER = 24;

const align = (n: number) => Math.ceil(n / MAXALIGN) * MAXALIGN;

export interface BloatEstimate {
  expectedBytes: number;
  wastedBytes: number;
  /** Wasted share of the actual size, 0–100. */
  wastedPercent: number;
}

function compare(actualBytes: number, expectedBytes: number): BloatEstimate {
  const wastedBytes = Math.max(0, actualBytes - expectedBytes);
  return { expectedBytes, wastedBytes, wastedPercent: actualBytes > 0 ? (wastedBytes / actualBytes) * 100 : 0 };
}

/** A btree's expected size: leaf pages filled to its fillfactor (default 90), ~1% internal pages, one metapage. */
export function estimateBtreeBloat(p: {
  bytes: number;
  rows: number;
  storedWidth: number;
  fillfactor?: number;
  blockSize: number;
}): BloatEstimate {
  const perTuple = align(INDEX_TUPLE_HEADER + p.storedWidth) + LINE_POINTER;
  const usable = (p.blockSize - PAGE_HEADER - BTREE_SPECIAL) * ((p.fillfactor ?? 90) / 100);
  const leafPages = Math.ceil((p.rows * perTuple) / usable);
  const pages = 1 + Math.max(1, Math.ceil(leafPages * 1.01));
  return compare(p.bytes, pages * p.blockSize);
}

/** A heap's expected size: rows of header + average width, pages filled to its fillfactor (default 100). */
export function estimateTableBloat(p: {
  bytes: number;
  rows: number;
  rowWidth: number;
  fillfactor?: number;
  blockSize: number;
}): BloatEstimate {
  const perTuple = align(HEAP_TUPLE_HEADER + p.rowWidth) + LINE_POINTER;
  const usable = (p.blockSize - PAGE_HEADER) * ((p.fillfactor ?? 100) / 100);
  const pages = Math.max(1, Math.ceil((p.rows * perTuple) / usable));
  return compare(p.bytes, pages * p.blockSize);
}
