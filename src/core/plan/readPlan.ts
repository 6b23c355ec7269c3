import { splitTopLevel } from './topLevel';
import { PgTunerError } from '../errors';

type Json = Record<string, unknown>;

/**
 * A plan from anywhere, as the EXPLAIN (FORMAT JSON) value the rest of core/plan reads: JSON
 * output (bare, or as psql prints it with its header and "+" continuations), an auto_explain log
 * line (JSON after "plan:"), or the text format psql prints for EXPLAIN [(ANALYZE, BUFFERS)].
 */
export function readPlan(input: string): unknown {
  const text = stripPsqlFrame(input);
  if (/"Plan"\s*:/.test(text)) return findJsonPlan(text);
  if (/\(cost=|\(actual /.test(text)) return readTextPlan(text);
  throw new PgTunerError(
    'BAD_INPUT',
    'No PostgreSQL plan found: expected EXPLAIN output in JSON or text format, or an auto_explain log line.',
  );
}

/** psql's frame: the "QUERY PLAN" header and its rule, the "(N rows)" footer, "+" at the end of wrapped lines. */
function stripPsqlFrame(input: string): string {
  return input
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .filter((l) => !/^\s*QUERY PLAN\s*$/.test(l) && !/^-+$/.test(l.trim()) && !/^\(\d+ rows?\)$/.test(l.trim()))
    .map((l) => l.replace(/\s*\+$/, ''))
    .join('\n');
}

/** The first JSON value holding a plan: a log line's prefix (which may hold "[pid]") and what follows are skipped. */
function findJsonPlan(text: string): unknown {
  let lastError: unknown;
  // A few candidates at most: the log prefix, then the plan itself.
  for (const start of [...text.matchAll(/[[{]/g)].slice(0, 20)) {
    try {
      const value = readJson(text.slice(start.index));
      const top = Array.isArray(value) ? value[0] : value;
      if (top && typeof top === 'object' && 'Plan' in top) return value;
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError ?? new PgTunerError('BAD_INPUT', 'No JSON plan found.');
}

/** The complete JSON value at the start of `text`. */
function readJson(text: string): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) {
      try {
        return JSON.parse(text.slice(0, i + 1));
      } catch (err) {
        throw new PgTunerError('BAD_INPUT', `The plan's JSON does not parse: ${(err as Error).message}`);
      }
    }
  }
  throw new PgTunerError('BAD_INPUT', "The plan's JSON is cut short.");
}

const NODE_LINE =
  /^(\s*)(?:->\s+)?(.+?)(?:\s+\(cost=([\d.]+)\.\.([\d.]+) rows=(\d+) width=(\d+)\))?(?:\s+\((?:actual (?:time=([\d.]+)\.\.([\d.]+) )?rows=([\d.]+) loops=(\d+)|(never executed))\))?\s*$/;

/** Reads psql's text format back into the JSON shape, node by node (indentation gives the tree). */
function readTextPlan(text: string): unknown {
  const top: Json = {};
  const stack: { indent: number; node: Json }[] = [];
  let current: Json | undefined;
  let label: string | undefined;
  let section: 'planning' | 'jit' | undefined;
  const rows = text.split('\n').filter((l) => l.trim());
  // psql puts a space before every line: indentation counts from the root's.
  const base = Math.min(...rows.map((l) => l.length - l.trimStart().length));
  for (const row of rows) {
    const raw = row.slice(base);
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    const m = NODE_LINE.exec(raw);
    const isNode = !!m && (m[3] !== undefined || m[9] !== undefined || m[11] !== undefined) && (line.startsWith('->') || !top['Plan']);
    if (isNode && m) {
      section = undefined;
      const node = nodeFromTitle(m[2]);
      if (m[3] !== undefined) Object.assign(node, { 'Startup Cost': +m[3], 'Total Cost': +m[4], 'Plan Rows': +m[5], 'Plan Width': +m[6] });
      if (m[11]) Object.assign(node, { 'Actual Rows': 0, 'Actual Loops': 0 });
      else if (m[9] !== undefined) {
        if (m[7] !== undefined) Object.assign(node, { 'Actual Startup Time': +m[7], 'Actual Total Time': +m[8] });
        Object.assign(node, { 'Actual Rows': +m[9], 'Actual Loops': +m[10] });
      }
      if (label) node['Subplan Name'] = label;
      label = undefined;
      while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
      const parent = stack[stack.length - 1]?.node;
      if (parent) ((parent['Plans'] ??= []) as Json[]).push(node);
      else top['Plan'] = node;
      stack.push({ indent, node });
      current = node;
      continue;
    }
    if (/^(InitPlan|SubPlan|CTE) /.test(line) && !line.includes(':')) {
      label = line;
      continue;
    }
    const summary = /^(Planning|Execution) Time: ([\d.]+) ms$/.exec(line);
    if (summary && indent === 0) {
      top[`${summary[1]} Time`] = +summary[2];
      continue;
    }
    if (indent === 0 && (line === 'Planning:' || line === 'JIT:')) {
      section = line === 'JIT:' ? 'jit' : 'planning';
      continue;
    }
    if (section === 'planning' && current) {
      readDetail(line, (top['Planning'] ??= {}) as Json);
      continue;
    }
    const trigger = /^Trigger (for constraint )?(\S+): (?:time=([\d.]+) )?calls=(\d+)$/.exec(line);
    if (trigger && indent === 0) {
      const name = trigger[1] ? { 'Constraint Name': trigger[2] } : { 'Trigger Name': trigger[2] };
      ((top['Triggers'] ??= []) as Json[]).push({ ...name, ...(trigger[3] ? { Time: +trigger[3] } : {}), Calls: +trigger[4] });
      continue;
    }
    if (section || indent === 0 || !current) continue; // JIT and settings: the viewer does not need them
    const worker = /^Worker (\d+): {2}(.*)$/.exec(line);
    if (worker) {
      const workers = (current['Workers'] ??= []) as Json[];
      let w = workers.find((x) => x['Worker Number'] === +worker[1]);
      if (!w) workers.push((w = { 'Worker Number': +worker[1] }));
      readDetail(worker[2], w);
      continue;
    }
    readDetail(line, current);
  }
  if (!top['Plan']) throw new PgTunerError('BAD_INPUT', 'No plan node found in the text.');
  return [top];
}

/** "Parallel Index Scan Backward using i on s.t x" → the JSON node's type, index, relation and alias. */
function nodeFromTitle(title: string): Json {
  const node: Json = {};
  let t = title;
  if (t.startsWith('Parallel ')) {
    node['Parallel Aware'] = true;
    t = t.slice(9);
  }
  if (t.startsWith('Async ')) {
    node['Async Capable'] = true;
    t = t.slice(6);
  }
  const agg = /^(Partial |Finalize )?(Aggregate|GroupAggregate|HashAggregate|MixedAggregate)$/.exec(t);
  if (agg) {
    const strategy = { Aggregate: 'Plain', GroupAggregate: 'Sorted', HashAggregate: 'Hashed', MixedAggregate: 'Mixed' }[agg[2]];
    return { ...node, 'Node Type': 'Aggregate', Strategy: strategy, 'Partial Mode': agg[1]?.trim() ?? 'Simple' };
  }
  const join = /^(Hash|Merge|Nested Loop)(?: (Left|Right|Full|Semi|Anti|Right Anti))?(?: Join)?$/.exec(t);
  // "Hash" alone is the hash table under a Hash Join, not a join.
  if (join && (join[1] === 'Nested Loop' || t.endsWith(' Join')))
    return { ...node, 'Node Type': join[1] === 'Nested Loop' ? 'Nested Loop' : `${join[1]} Join`, 'Join Type': join[2] ?? 'Inner' };
  const setop = /^(HashSetOp|SetOp) (.+)$/.exec(t);
  if (setop) return { ...node, 'Node Type': 'SetOp', Strategy: setop[1] === 'HashSetOp' ? 'Hashed' : 'Sorted', Command: setop[2] };
  const modify = /^(Insert|Update|Delete|Merge) on (.+)$/.exec(t);
  if (modify) return { ...node, 'Node Type': 'ModifyTable', Operation: modify[1], ...target(modify[2], 'Relation Name') };
  const bitmap = /^Bitmap Index Scan on (.+)$/.exec(t);
  if (bitmap) return { ...node, 'Node Type': 'Bitmap Index Scan', 'Index Name': unquote(bitmap[1]) };
  const index = /^(Index Scan|Index Only Scan)( Backward)? using (\S+) on (.+)$/.exec(t);
  if (index)
    return {
      ...node,
      'Node Type': index[1],
      'Scan Direction': index[2] ? 'Backward' : 'Forward',
      'Index Name': unquote(index[3]),
      ...target(index[4], 'Relation Name'),
    };
  const scan = /^(.+?) on (.+)$/.exec(t);
  if (scan) {
    const key =
      scan[1] === 'CTE Scan' || scan[1] === 'WorkTable Scan'
        ? 'CTE Name'
        : scan[1] === 'Function Scan'
          ? 'Function Name'
          : scan[1] === 'Subquery Scan' || scan[1] === 'Values Scan'
            ? undefined
            : 'Relation Name';
    return { ...node, 'Node Type': scan[1], ...target(scan[2], key) };
  }
  return { ...node, 'Node Type': t };
}

/** "[schema.]object [alias]" (or just an alias for subquery and VALUES scans), identifiers unquoted. */
function target(text: string, objectKey: string | undefined): Json {
  const parts = text.match(/"(?:[^"]|"")*"(?:\."(?:[^"]|"")*"|\.[^\s.]+)?|[^\s"]+(?:\."(?:[^"]|"")*"|\.[^\s.]+)?/g) ?? [];
  if (!objectKey) return { Alias: unquote(parts[0] ?? '') };
  const [qualified, alias] = parts;
  const dot = /^("(?:[^"]|"")*"|[^".]+)\.(.+)$/.exec(qualified ?? '');
  const object = unquote(dot ? dot[2] : (qualified ?? ''));
  return {
    [objectKey]: object,
    ...(dot ? { Schema: unquote(dot[1]) } : {}),
    Alias: alias !== undefined ? unquote(alias) : object,
  };
}

const unquote = (s: string) => (s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s);

const TEXT_DETAILS = new Set([
  'Index Cond',
  'Recheck Cond',
  'Order By',
  'Merge Cond',
  'Hash Cond',
  'TID Cond',
  'Join Filter',
  'One-Time Filter',
  'Filter',
  'Cache Key',
  'Cache Mode',
]);
const LIST_DETAILS = new Set(['Output', 'Sort Key', 'Presorted Key', 'Group Key']);
const NUMBER_DETAILS = new Set([
  'Rows Removed by Filter',
  'Rows Removed by Index Recheck',
  'Rows Removed by Join Filter',
  'Heap Fetches',
  'Workers Planned',
  'Workers Launched',
  'Subplans Removed',
]);

/** One "Label: value" line under a node, into the JSON fields it came from. */
function readDetail(line: string, node: Json): void {
  const colon = line.indexOf(': ');
  const key = colon > 0 ? line.slice(0, colon) : line.replace(/:$/, '');
  const value = colon > 0 ? line.slice(colon + 2) : '';
  if (TEXT_DETAILS.has(key)) node[key] = value;
  else if (LIST_DETAILS.has(key)) node[key] = splitTopLevel(value, ', ');
  else if (NUMBER_DETAILS.has(key)) node[key] = Number(value);
  else if (key === 'Inner Unique' || key === 'Single Copy') node[key] = value === 'true';
  else if (key === 'Sort Method') {
    const sort = /^(.+?) {2}(Memory|Disk): (\d+)kB$/.exec(value);
    if (sort) Object.assign(node, { 'Sort Method': sort[1], 'Sort Space Type': sort[2], 'Sort Space Used': +sort[3] });
    else node['Sort Method'] = value;
  } else if (key === 'Buckets') {
    const h = /^(\d+)(?: \(originally (\d+)\))? {2}Batches: (\d+)(?: \(originally (\d+)\))? {2}Memory Usage: (\d+)kB$/.exec(value);
    if (h)
      Object.assign(node, {
        'Hash Buckets': +h[1],
        'Original Hash Buckets': +(h[2] ?? h[1]),
        'Hash Batches': +h[3],
        'Original Hash Batches': +(h[4] ?? h[3]),
        'Peak Memory Usage': +h[5],
      });
  } else if (key === 'Batches' || key === 'Planned Partitions') {
    for (const [, k, v] of line.matchAll(/(Planned Partitions|Batches|Memory Usage|Disk Usage): (\d+)/g))
      node[{ Batches: 'HashAgg Batches', 'Memory Usage': 'Peak Memory Usage' }[k] ?? k] = +v;
  } else if (key === 'Heap Blocks') {
    for (const [, k, v] of value.matchAll(/(exact|lossy)=(\d+)/g)) node[k === 'exact' ? 'Exact Heap Blocks' : 'Lossy Heap Blocks'] = +v;
  } else if (key === 'Buffers') {
    for (const group of value.split(',')) {
      const [kind, ...counters] = group.trim().split(' ');
      for (const c of counters) {
        const [name, n] = c.split('=');
        node[`${cap(kind)} ${cap(name)} Blocks`] = Number(n);
      }
    }
  } else if (key === 'Hits') {
    for (const [, k, v] of line.matchAll(/(Hits|Misses|Evictions|Overflows|Memory Usage): (\d+)/g))
      node[k === 'Memory Usage' ? 'Peak Memory Usage' : `Cache ${k}`] = +v;
  }
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
