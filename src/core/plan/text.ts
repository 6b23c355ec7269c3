import { operationName } from './operation';
import { Plan } from './types';

type Json = Record<string, unknown>;

/**
 * Renders the server's EXPLAIN (FORMAT JSON) output the way its FORMAT TEXT prints it (explain.c:
 * names, field order, indentation), so the Text tab and `pgtuner explain` show what psql shows.
 * Rendered from the raw JSON rather than the typed tree, which keeps only what the views need.
 */
export function formatPlanText(plan: Plan): string {
  return renderExplainText(plan.raw);
}

export function renderExplainText(raw: unknown): string {
  const top = (Array.isArray(raw) ? raw[0] : raw) as Json;
  const out: string[] = [];
  const root = top['Plan'] as Json;
  // VERBOSE is not in the JSON; its Output lists are, on every node.
  const verbose = Array.isArray(root['Output']);
  renderNode(root, 0, out, verbose);
  renderSummary(top, out);
  return out.join('\n') + '\n';
}

function renderNode(n: Json, indent: number, out: string[], verbose: boolean): void {
  let level = indent;
  if (typeof n['Subplan Name'] === 'string') {
    out.push(pad(level) + n['Subplan Name']);
    level++;
  }
  let head = '';
  if (level > 0) {
    head = pad(level) + '->  ';
    level += 2;
  }
  out.push(head + nodeTitle(n) + estimates(n) + actuals(n));
  level++;
  const line = (text: string) => out.push(pad(level) + text);
  for (const text of detailLines(n, verbose)) line(text);
  renderWorkers(n, level, out);
  for (const child of (n['Plans'] as Json[] | undefined) ?? []) renderNode(child, level, out, verbose);
}

/** "Parallel Index Scan Backward using i on t x", "Finalize GroupAggregate", "Hash Left Join". */
function nodeTitle(n: Json): string {
  const type = String(n['Node Type']);
  let name = operationName(n);
  if (typeof n['Index Name'] === 'string') {
    name +=
      type === 'Bitmap Index Scan'
        ? ` on ${quoteIdent(n['Index Name'])}`
        : `${n['Scan Direction'] === 'Backward' ? ' Backward' : ''} using ${quoteIdent(n['Index Name'])}`;
  }
  return name + target(n);
}

/** ExplainTargetRel: " on [schema.]object [alias]"; the alias is printed when it differs. */
function target(n: Json): string {
  if (typeof n['Alias'] !== 'string') return '';
  const objectKey = ['Relation Name', 'Function Name', 'CTE Name', 'Tuplestore Name', 'Table Function Name'].find(
    (k) => typeof n[k] === 'string',
  );
  const object = objectKey ? String(n[objectKey]) : undefined;
  let text = ' on';
  if (object !== undefined)
    text += typeof n['Schema'] === 'string' ? ` ${quoteIdent(n['Schema'])}.${quoteIdent(object)}` : ` ${quoteIdent(object)}`;
  if (object === undefined || object !== n['Alias']) text += ` ${quoteIdent(n['Alias'])}`;
  return text;
}

function estimates(n: Json): string {
  if (typeof n['Startup Cost'] !== 'number') return '';
  return `  (cost=${fixed(n['Startup Cost'], 2)}..${fixed(n['Total Cost'], 2)} rows=${count(n['Plan Rows'])} width=${n['Plan Width']})`;
}

function actuals(n: Json): string {
  if (typeof n['Actual Loops'] !== 'number') return '';
  if (n['Actual Loops'] === 0) return ' (never executed)';
  return ` (${actualFigures(n)})`;
}

/** "actual time=a..b rows=r loops=l", without the times when TIMING OFF left them out. */
function actualFigures(n: Json): string {
  const time =
    typeof n['Actual Total Time'] === 'number' ? `time=${fixed(n['Actual Startup Time'], 3)}..${fixed(n['Actual Total Time'], 3)} ` : '';
  return `actual ${time}rows=${count(n['Actual Rows'])} loops=${count(n['Actual Loops'])}`;
}

/** Conditions and figures in the order explain.c prints them (keys first, then quals, then runtime details). */
const KEYS = ['Cache Key', 'Cache Mode', 'Sort Key', 'Presorted Key', 'Group Key', 'Hash Key'];
const QUALS: [string, 'text' | 'removed'][] = [
  ['Index Cond', 'text'],
  ['Recheck Cond', 'text'],
  ['Rows Removed by Index Recheck', 'removed'],
  ['Order By', 'text'],
  ['Merge Cond', 'text'],
  ['Hash Cond', 'text'],
  ['TID Cond', 'text'],
  ['Join Filter', 'text'],
  ['Rows Removed by Join Filter', 'removed'],
  ['One-Time Filter', 'text'],
  ['Filter', 'text'],
  ['Rows Removed by Filter', 'removed'],
];

function detailLines(n: Json, verbose: boolean): string[] {
  const lines: string[] = [];
  if (Array.isArray(n['Output'])) lines.push(`Output: ${n['Output'].join(', ')}`);
  if (verbose && typeof n['Inner Unique'] === 'boolean') lines.push(`Inner Unique: ${n['Inner Unique']}`);
  for (const key of KEYS) {
    const v = n[key];
    if (Array.isArray(v)) lines.push(`${key}: ${v.join(', ')}`);
    else if (typeof v === 'string') lines.push(`${key}: ${v}`);
  }
  for (const [key, kind] of QUALS) {
    const v = n[key];
    if (kind === 'text' && typeof v === 'string') lines.push(`${key}: ${v}`);
    // Rows removed are printed only when some were.
    if (kind === 'removed' && typeof v === 'number' && v > 0) lines.push(`${key}: ${count(v)}`);
  }
  if (typeof n['Workers Planned'] === 'number') {
    lines.push(`Workers Planned: ${n['Workers Planned']}`);
    if (Array.isArray(n['Params Evaluated'])) lines.push(`Params Evaluated: ${n['Params Evaluated'].join(', ')}`);
    if (typeof n['Workers Launched'] === 'number') lines.push(`Workers Launched: ${n['Workers Launched']}`);
    if (n['Single Copy'] === true) lines.push('Single Copy: true');
  }
  if (typeof n['Heap Fetches'] === 'number') lines.push(`Heap Fetches: ${count(n['Heap Fetches'])}`);
  const exact = num(n['Exact Heap Blocks']);
  const lossy = num(n['Lossy Heap Blocks']);
  if (exact > 0 || lossy > 0) lines.push(`Heap Blocks:${exact > 0 ? ` exact=${exact}` : ''}${lossy > 0 ? ` lossy=${lossy}` : ''}`);
  lines.push(...sortLines(n), ...incrementalSortLines(n), ...hashLines(n), ...hashAggLines(n), ...memoizeLines(n));
  if (typeof n['Subplans Removed'] === 'number' && n['Subplans Removed'] > 0) lines.push(`Subplans Removed: ${n['Subplans Removed']}`);
  lines.push(...bufferLines(n), ...walLines(n));
  return lines;
}

function sortLines(n: Json): string[] {
  if (typeof n['Sort Method'] !== 'string' || typeof n['Sort Space Used'] !== 'number') return [];
  return [`Sort Method: ${n['Sort Method']}  ${n['Sort Space Type']}: ${n['Sort Space Used']}kB`];
}

function incrementalSortLines(n: Json): string[] {
  const full = n['Full-sort Groups'] as Json | undefined;
  if (!full) return [];
  const pre = n['Pre-sorted Groups'] as Json | undefined;
  return [groupInfo('Full-sort', full) + (pre && num(pre['Group Count']) > 0 ? `  ${groupInfo('Pre-sorted', pre)}` : '')];
}

function groupInfo(label: string, g: Json): string {
  const methods = (g['Sort Methods Used'] as string[] | undefined) ?? [];
  let text = `${label} Groups: ${g['Group Count']}  Sort Method${methods.length > 1 ? 's' : ''}: ${methods.join(', ')}`;
  for (const space of ['Memory', 'Disk']) {
    const s = g[`Sort Space ${space}`] as Json | undefined;
    if (s && num(s['Peak Sort Space Used']) > 0)
      text += `  Average ${space}: ${s['Average Sort Space Used']}kB  Peak ${space}: ${s['Peak Sort Space Used']}kB`;
  }
  return text;
}

function hashLines(n: Json): string[] {
  if (typeof n['Hash Batches'] !== 'number' || n['Hash Batches'] <= 0) return [];
  const changed = n['Original Hash Batches'] !== n['Hash Batches'] || n['Original Hash Buckets'] !== n['Hash Buckets'];
  return [
    changed
      ? `Buckets: ${n['Hash Buckets']} (originally ${n['Original Hash Buckets']})  Batches: ${n['Hash Batches']} (originally ${n['Original Hash Batches']})  Memory Usage: ${n['Peak Memory Usage']}kB`
      : `Buckets: ${n['Hash Buckets']}  Batches: ${n['Hash Batches']}  Memory Usage: ${n['Peak Memory Usage']}kB`,
  ];
}

function hashAggLines(n: Json): string[] {
  if (n['Node Type'] !== 'Aggregate' || (n['Strategy'] !== 'Hashed' && n['Strategy'] !== 'Mixed')) return [];
  const parts: string[] = [];
  if (num(n['Planned Partitions']) > 0) parts.push(`Planned Partitions: ${n['Planned Partitions']}`);
  if (typeof n['HashAgg Batches'] === 'number') parts.push(...batchesAndMemory(n));
  return parts.length ? [parts.join('  ')] : [];
}

/** A hash aggregate's (or one worker's) batches and memory; disk only when it spilled. */
function batchesAndMemory(n: Json): string[] {
  const parts = [`Batches: ${n['HashAgg Batches']}`, `Memory Usage: ${n['Peak Memory Usage']}kB`];
  if (num(n['HashAgg Batches']) > 1) parts.push(`Disk Usage: ${n['Disk Usage']}kB`);
  return parts;
}

function memoizeLines(n: Json): string[] {
  if (typeof n['Cache Hits'] !== 'number' || num(n['Cache Hits']) + num(n['Cache Misses']) === 0) return [];
  return [
    `Hits: ${n['Cache Hits']}  Misses: ${n['Cache Misses']}  Evictions: ${n['Cache Evictions']}  Overflows: ${n['Cache Overflows']}  Memory Usage: ${n['Peak Memory Usage']}kB`,
  ];
}

/** show_buffer_usage: only positive counters; "I/O Timings" in the PostgreSQL 15/16 and 17 spellings. */
function bufferLines(n: Json): string[] {
  const lines: string[] = [];
  const groups = ['Shared', 'Local', 'Temp']
    .map((kind) => {
      const fields = kind === 'Temp' ? ['Read', 'Written'] : ['Hit', 'Read', 'Dirtied', 'Written'];
      const parts = fields.filter((f) => num(n[`${kind} ${f} Blocks`]) > 0).map((f) => `${f.toLowerCase()}=${n[`${kind} ${f} Blocks`]}`);
      return parts.length ? ` ${kind.toLowerCase()} ${parts.join(' ')}` : '';
    })
    .filter(Boolean);
  if (groups.length) lines.push(`Buffers:${groups.join(',')}`);
  const timing = (label: string, read: string, write: string) => {
    const parts = [num(n[read]) > 0 && `read=${fixed(n[read], 3)}`, num(n[write]) > 0 && `write=${fixed(n[write], 3)}`].filter(Boolean);
    return parts.length ? ` ${label} ${parts.join(' ')}` : '';
  };
  const io = [
    timing('shared/local', 'I/O Read Time', 'I/O Write Time'),
    timing('shared', 'Shared I/O Read Time', 'Shared I/O Write Time'),
    timing('local', 'Local I/O Read Time', 'Local I/O Write Time'),
    timing('temp', 'Temp I/O Read Time', 'Temp I/O Write Time'),
  ].filter(Boolean);
  if (io.length) lines.push(`I/O Timings:${io.join(',')}`);
  return lines;
}

function walLines(n: Json): string[] {
  const parts = [
    num(n['WAL Records']) > 0 && `records=${n['WAL Records']}`,
    num(n['WAL FPI']) > 0 && `fpi=${n['WAL FPI']}`,
    num(n['WAL Bytes']) > 0 && `bytes=${n['WAL Bytes']}`,
  ].filter(Boolean);
  return parts.length ? [`WAL: ${parts.join(' ')}`] : [];
}

/** Per-worker details follow the node's own: "Worker 0:  Sort Method: …", further lines one step in. */
function renderWorkers(n: Json, level: number, out: string[]): void {
  for (const w of (n['Workers'] as Json[] | undefined) ?? []) {
    const lines: string[] = [];
    if (typeof w['Actual Loops'] === 'number') lines.push(actualFigures(w));
    lines.push(...sortLines(w), ...incrementalSortLines(w));
    if (typeof w['HashAgg Batches'] === 'number') lines.push(batchesAndMemory(w).join('  '));
    lines.push(...bufferLines(w), ...walLines(w));
    lines.forEach((text, i) => out.push(i === 0 ? `${pad(level)}Worker ${w['Worker Number']}:  ${text}` : pad(level + 1) + text));
  }
}

/** What follows the tree: settings, planning buffers and time, triggers, JIT, execution time. */
function renderSummary(top: Json, out: string[]): void {
  const settings = top['Settings'] as Record<string, string> | undefined;
  if (settings && Object.keys(settings).length)
    out.push(
      `Settings: ${Object.entries(settings)
        .map(([k, v]) => `${k} = '${v}'`)
        .join(', ')}`,
    );
  if (top['Query Identifier'] !== undefined) out.push(`Query Identifier: ${top['Query Identifier']}`);
  const planning = top['Planning'] as Json | undefined;
  const planningBuffers = planning ? bufferLines(planning) : [];
  if (planningBuffers.length) out.push('Planning:', ...planningBuffers.map((l) => pad(1) + l));
  if (typeof top['Planning Time'] === 'number') out.push(`Planning Time: ${fixed(top['Planning Time'], 3)} ms`);
  for (const t of (top['Triggers'] as Json[] | undefined) ?? []) {
    const name =
      typeof t['Constraint Name'] === 'string' ? `Trigger for constraint ${t['Constraint Name']}` : `Trigger ${t['Trigger Name']}`;
    out.push(`${name}: ${typeof t['Time'] === 'number' ? `time=${fixed(t['Time'], 3)} ` : ''}calls=${count(t['Calls'])}`);
  }
  const jit = top['JIT'] as Json | undefined;
  if (jit) out.push('JIT:', ...jitLines(jit).map((l) => pad(1) + l));
  if (typeof top['Execution Time'] === 'number') out.push(`Execution Time: ${fixed(top['Execution Time'], 3)} ms`);
}

function jitLines(jit: Json): string[] {
  const options = (jit['Options'] as Record<string, boolean> | undefined) ?? {};
  const lines = [
    `Functions: ${jit['Functions']}`,
    `Options: ${Object.entries(options)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  ];
  const timing = jit['Timing'] as Json | undefined;
  if (timing) {
    const phase = (k: string) => {
      const v = timing[k];
      // PostgreSQL 17 splits Generation into Deform and Total.
      if (v && typeof v === 'object') {
        const g = v as Json;
        return `${k} ${fixed(g['Total'], 3)} ms (Deform ${fixed(g['Deform'], 3)} ms)`;
      }
      return `${k} ${fixed(v, 3)} ms`;
    };
    lines.push(`Timing: ${['Generation', 'Inlining', 'Optimization', 'Emission', 'Total'].map(phase).join(', ')}`);
  }
  return lines;
}

/** quote_identifier: lower-case names that are not keywords go bare. */
export function quoteIdent(name: unknown): string {
  const s = String(name);
  return /^[a-z_][a-z0-9_$]*$/.test(s) && !RESERVED.has(s) ? s : `"${s.replace(/"/g, '""')}"`;
}

/** Keywords quote_identifier quotes (reserved, column-name and type-function-name ones, the common ones). */
const RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case cast char character check ' +
    'coalesce collate collation column concurrently constraint create cross current_catalog current_date current_role current_schema ' +
    'current_time current_timestamp current_user dec decimal default deferrable desc distinct do else end except exists extract false ' +
    'fetch float for foreign freeze from full grant greatest group grouping having ilike in initially inner inout int integer intersect ' +
    'interval into is isnull join lateral leading least left like limit localtime localtimestamp national natural nchar none normalize not ' +
    'notnull null nullif numeric offset on only or order out outer overlaps overlay placing position precision primary real references ' +
    'returning right row select session_user setof similar smallint some substring symmetric system_user table tablesample then time ' +
    'timestamp to trailing treat trim true union unique user using values varchar variadic verbose when where window with xmlattributes ' +
    'xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable'
  ).split(' '),
);

const pad = (level: number) => ' '.repeat(level * 2);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const fixed = (v: unknown, digits: number) => num(v).toFixed(digits);
/** %.0f, or the server's own decimals (PostgreSQL 18 prints fractional rows). */
const count = (v: unknown) => (Number.isInteger(num(v)) ? String(num(v)) : num(v).toFixed(2));
