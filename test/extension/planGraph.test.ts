/**
 * The plan panel's graph view in the real extension host: a plan EXPLAIN ANALYZE made on the test
 * server, opened from a file, drawn as one box per node; a node selected in the graph is the one
 * selected in the tree; keys pan and zoom it. Plans of 2,000 nodes: each view's render time in the
 * webview is measured, printed and written to test-artifacts/plan-views-2000-nodes.txt (reported,
 * not a timed assertion: performance is for benchmarks).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RenderedView, ToWebview } from '../../src/vscode/explain/messages';
import { activateExtension, eventually, freshDatabaseUrl, queryRows } from './support';

interface PanelState {
  rendered?: string;
  renderMs?: number;
  view?: RenderedView;
}

const SCHEMA_SQL = `
CREATE TABLE regions (id int PRIMARY KEY, name text);
CREATE TABLE shops (id int PRIMARY KEY, region_id int REFERENCES regions, name text);
CREATE TABLE sales (id bigint PRIMARY KEY, shop_id int REFERENCES shops, amount numeric, sold_on date);
INSERT INTO regions SELECT g, 'Region ' || g FROM generate_series(1, 20) g;
INSERT INTO shops SELECT g, 1 + g % 20, 'Shop ' || g FROM generate_series(1, 500) g;
INSERT INTO sales SELECT g, 1 + g % 500, g % 97, date '2026-01-01' + g % 300 FROM generate_series(1, 50000) g;
ANALYZE;`;

/** Joins, an aggregate, a sort and a limit: a plan of about ten nodes. */
const QUERY = `SELECT r.name, count(*), sum(s.amount)
FROM sales s JOIN shops sh ON sh.id = s.shop_id JOIN regions r ON r.id = sh.region_id
WHERE s.sold_on >= date '2026-06-01'
GROUP BY r.name ORDER BY sum(s.amount) DESC LIMIT 5`;

type JsonNode = { Plans?: JsonNode[] } & Record<string, unknown>;
const countJson = (n: JsonNode): number => 1 + (n.Plans ?? []).reduce((sum, c) => sum + countJson(c), 0);

function workspaceFile(name: string, text: string): vscode.Uri {
  const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, name);
  fs.writeFileSync(file, text);
  return vscode.Uri.file(file);
}

const panelState = () => vscode.commands.executeCommand<PanelState | undefined>('pgtuner.test.explainPanelState');

/** Acts in the webview as a user (focus, click, keys at `selector`) and waits until its report satisfies `until`. */
async function input(
  selector: string,
  action: { click?: boolean; keys?: string[] },
  until: (s: PanelState) => boolean,
): Promise<PanelState> {
  const message: ToWebview = { type: 'userInput', selector, ...action };
  await vscode.commands.executeCommand('pgtuner.test.explainPanelInput', message);
  return eventually(`the panel after ${JSON.stringify(message)}`, async () => {
    const state = await panelState();
    return state && until(state) ? state : undefined;
  });
}

/** Opens a plan file in the panel and waits until it shows it. */
async function openPlan(name: string, text: string): Promise<void> {
  await vscode.commands.executeCommand('pgtuner.openPlanFile', workspaceFile(name, text));
  await eventually(`the plan panel shows ${name}`, async () => ((await panelState())?.rendered?.includes(name) ? true : undefined));
}

/** Switches the panel to a view and returns its report once it shows that view. */
const showView = (format: string) => input(`[data-format="${format}"]`, { click: true }, (s) => s.view?.format === format);

/**
 * A 2,000-node plan: "wide" is an Append over 1,999 scans (a partitioned table), "branchy" an
 * Append over 100 partition-wise joins of about 20 nodes each (hash joins, hashes, sorts, nested
 * loops, scans; about ten levels deep). Estimates are off on purpose: hundreds of hotspots.
 */
function bigPlan(shape: 'wide' | 'branchy'): string {
  let next = 0;
  const node = (type: string, ms: number, plans?: JsonNode[], extra: Record<string, unknown> = {}): JsonNode => ({
    'Node Type': type,
    'Startup Cost': 0,
    'Total Cost': 10 + next,
    'Plan Rows': 100,
    'Plan Width': 8,
    'Actual Startup Time': 0.01,
    'Actual Total Time': ms,
    'Actual Rows': 100 + (next++ % 7) * 1000,
    'Actual Loops': 1,
    ...extra,
    ...(plans ? { Plans: plans } : {}),
  });
  const scan = (ms: number) =>
    node('Seq Scan', ms, undefined, { 'Relation Name': `events_p${next}`, Alias: `e${next}`, Filter: '(kind = 1)' });
  const join = (size: number): JsonNode => {
    if (size === 1) return scan(0.05);
    if (size === 2) return node('Sort', 0.2, [scan(0.05)]);
    if (size === 3) return node('Nested Loop', 0.3, [scan(0.05), scan(0.05)], { 'Join Type': 'Inner' });
    const outer = Math.ceil((size - 2) / 2);
    return node('Hash Join', size / 10, [join(outer), node('Hash', 0.1, [join(size - 2 - outer)])], { 'Join Type': 'Inner' });
  };
  const inputs =
    shape === 'wide'
      ? Array.from({ length: 1999 }, (_, i) => scan(0.05 + i / 1000))
      : Array.from({ length: 100 }, (_, i) => join(i ? 20 : 19));
  const root = node('Append', 2100, inputs);
  assert.equal(countJson(root), 2000);
  return JSON.stringify([{ Plan: root, 'Planning Time': 1.5, 'Execution Time': 2100.5 }]);
}

describe('Plan graph view', function () {
  this.timeout(180_000);
  let planJson: string;
  let nodes: number;

  before(async () => {
    await activateExtension();
    const url = await freshDatabaseUrl([]);
    await queryRows(url, SCHEMA_SQL);
    const rows = (await queryRows(url, `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${QUERY}`)) as unknown as { 'QUERY PLAN': JsonNode[] }[];
    const plan = rows[0]['QUERY PLAN'];
    planJson = JSON.stringify(plan);
    nodes = countJson(plan[0].Plan as JsonNode);
    assert.ok(nodes >= 6, `a plan with joins, aggregate and sort has more than ${nodes} nodes`);
  });

  it('draws one box per plan node and an edge to each input', async () => {
    await openPlan('sales-by-region.json', planJson);
    const state = await showView('graph');
    // A plan this small fits the viewport: every box is built.
    assert.deepEqual(
      { nodes: state.view?.graph?.nodes, edges: state.view?.graph?.edges, shown: state.view?.graph?.shown },
      { nodes, edges: nodes - 1, shown: nodes },
      `the graph of a ${nodes}-node plan`,
    );
    assert.ok(state.rendered?.includes('Drag or arrow keys to pan'), state.rendered);
  });

  it('selects a node in the graph and shows the same node selected in the tree', async () => {
    await openPlan('sales-by-region.json', planJson);
    await showView('graph');
    // The last node in plan order: a leaf, never the root.
    const target = `before-${nodes - 1}`;
    let state = await input(`.graph-node[data-node="${target}"]`, { click: true }, (s) => s.view?.selected === target);
    assert.deepEqual(state.view?.marked, [target], 'the clicked box is the one marked selected');
    assert.match(state.rendered ?? '', /Selected: .*Show in tree/s);

    state = await showView('tree');
    assert.equal(state.view?.selected, target);
    assert.deepEqual(state.view?.marked, [target], 'the tree marks the node selected in the graph');

    // And back: a node focused in the tree is the one the graph and the icicle mark.
    state = await input('#before-1 > summary', {}, (s) => s.view?.selected === 'before-1');
    state = await showView('graph');
    assert.deepEqual(state.view?.marked, ['before-1']);
    state = await showView('icicle');
    assert.deepEqual(state.view?.marked, ['before-1']);
  });

  it('pans with the arrow keys and zooms with + and - (the transform changes)', async () => {
    await openPlan('sales-by-region.json', planJson);
    await showView('graph');
    const transformOf = (s: PanelState) => s.view?.graph?.transform ?? '';
    const parse = (t: string) => {
      const m = /translate\(([-\d.]+) ([-\d.]+)\) scale\(([-\d.]+)\)/.exec(t);
      assert.ok(m, `a transform: "${t}"`);
      return { x: Number(m[1]), y: Number(m[2]), k: Number(m[3]) };
    };
    const start = await input('.graph-viewport', {}, (s) => transformOf(s) !== '');
    const before = parse(transformOf(start));

    const zoomed = parse(transformOf(await input('.graph-viewport', { keys: ['+'] }, (s) => transformOf(s) !== transformOf(start))));
    assert.ok(Math.abs(zoomed.k / before.k - 1.25) < 0.01, `+ zooms in by a step: ${before.k} → ${zoomed.k}`);

    const panned = await input('.graph-viewport', { keys: ['ArrowLeft', 'ArrowUp'] }, (s) => parse(transformOf(s)).x !== zoomed.x);
    const after = parse(transformOf(panned));
    assert.deepEqual(
      { dx: Math.round(after.x - zoomed.x), dy: Math.round(after.y - zoomed.y), k: after.k },
      { dx: 60, dy: 60, k: zoomed.k },
    );

    const out = parse(transformOf(await input('.graph-viewport', { keys: ['-', '-'] }, (s) => parse(transformOf(s)).k < after.k)));
    assert.ok(Math.abs(after.k / out.k - 1.5625) < 0.01, `two - steps zoom out: ${after.k} → ${out.k}`);

    // On a node, arrow keys move between nodes instead: down goes to its first input.
    const moved = await input(
      '.graph-node[data-node="before-0"]',
      { keys: ['ArrowDown', 'Enter'] },
      (s) => s.view?.selected === 'before-1',
    );
    assert.deepEqual(moved.view?.marked, ['before-1']);
  });

  it("shows a plan file's names as text, never as markup (graph boxes and the selection line)", async () => {
    const markup = '<img src=x onerror="document.title=1">';
    const plan = [
      {
        Plan: {
          'Node Type': 'Limit',
          'Startup Cost': 0,
          'Total Cost': 5,
          'Plan Rows': 1,
          'Plan Width': 4,
          Plans: [
            {
              'Node Type': 'Seq Scan',
              'Relation Name': markup,
              Alias: '</svg><script>x()</script>',
              'Startup Cost': 0,
              'Total Cost': 5,
              'Plan Rows': 1,
              'Plan Width': 4,
            },
          ],
        },
      },
    ];
    await openPlan('hostile-names.json', JSON.stringify(plan));
    await showView('graph');
    const state = await input('.graph-node[data-node="before-1"]', { click: true }, (s) => s.view?.selected === 'before-1');
    assert.equal(state.view?.graph?.shown, 2, 'two boxes, nothing injected into the SVG');
    assert.ok(state.rendered?.includes(`Selected: Seq Scan on ${markup}`), state.rendered);
  });

  it('renders plans of 2,000 nodes in each view (times measured in the webview, written to test-artifacts/)', async () => {
    const lines: string[] = [];
    for (const shape of ['wide', 'branchy'] as const) {
      await openPlan(`${shape}-2000.json`, bigPlan(shape));
      for (const format of ['tree', 'graph', 'icicle']) {
        // Another view first, so that switching to this one renders it afresh.
        await showView(format === 'tree' ? 'text' : 'tree');
        const state = await showView(format);
        assert.ok(Number.isFinite(state.renderMs), 'the webview reports its render time');
        const graph = state.view?.graph;
        if (format === 'graph') assert.equal(graph?.nodes, 2000, 'the graph lays out every node');
        const built = graph ? ` (all 2,000 outlines and edges, ${graph.shown} boxes with text near the viewport)` : '';
        lines.push(
          `${shape} 2,000-node plan, ${format} view: ${state.renderMs!.toFixed(0)} ms, DOM built and laid out in the webview${built}`,
        );
      }
    }
    console.log(lines.map((l) => `      ${l}`).join('\n'));
    const artifacts = path.join(__dirname, '..', '..', '..', 'test-artifacts');
    fs.mkdirSync(artifacts, { recursive: true });
    fs.writeFileSync(path.join(artifacts, 'plan-views-2000-nodes.txt'), `${lines.join('\n')}\n`);
  });
});
