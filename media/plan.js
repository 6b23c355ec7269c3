// @ts-check
// The plan panel's webview: renders the plan tree, the suggestion cards and the what-if comparison
// from the messages in src/vscode/explain/messages.ts, and posts button presses back. No network,
// no innerHTML: every text from the database or the SQL goes in through textContent.

/** @typedef {import('../src/vscode/explain/messages').ToWebview} ToWebview */
/** @typedef {import('../src/vscode/explain/messages').FromWebview} FromWebview */
/** @typedef {import('../src/vscode/explain/messages').ExplainResultView} ExplainResultView */
/** @typedef {import('../src/vscode/explain/messages').PlanView} PlanView */
/** @typedef {import('../src/vscode/explain/messages').Comparison} Comparison */
/** @typedef {import('../src/core/plan/compare').PlanComparison} PlanComparison */
/** @typedef {import('../src/core/plan/types').Plan} Plan */
/** @typedef {import('../src/core/plan/types').PlanNode} PlanNode */
/** @typedef {import('../src/vscode/explain/messages').SuggestionView} SuggestionView */
/** @typedef {import('../src/vscode/explain/messages').RenderedView} RenderedView */
/** @typedef {'tree' | 'graph' | 'icicle' | 'text' | 'json'} PlanFormat */
/** @typedef {{ which: 'before' | 'after'; id: number }} NodeSelection */
/** @typedef {{ postMessage(message: FromWebview): void; getState(): any; setState(state: any): void }} VsCodeApi */

(function () {
  /** @type {VsCodeApi} */
  // @ts-ignore acquireVsCodeApi is provided by the webview host
  const vscode = acquireVsCodeApi();
  const app = /** @type {HTMLElement} */ (document.getElementById('app'));
  /** Misestimates at least this large are flagged. */
  const MISESTIMATE_FLAG = 10;

  /** What survives a reload (the panel's serializer hands it back): the plan on screen and the chosen tab. */
  const saved = vscode.getState() || {};
  /** Plans with more nodes than this open only the slowest path and the nodes that matter. */
  const OPEN_ALL_UP_TO = 60;
  /** Children of one node a big plan shows before "Show N more nodes". */
  const CHILDREN_SHOWN = 50;
  /** Hotspots the summary lists (the largest shares): a big plan can have hundreds, each still marked ⚠ in the tree. */
  const HOTSPOTS_LISTED = 10;
  const status = /** @type {HTMLElement} */ (document.getElementById('status'));

  const state = {
    /** @type {ExplainResultView | undefined} */ result: saved.result,
    /** @type {Comparison | undefined} */ comparison: saved.comparison,
    /** @type {PlanFormat} */ format: saved.format || 'tree',
    /** The node selected in any view (tree, graph, icicle): the others show it selected too. @type {NodeSelection | undefined} */
    selected: saved.selected,
    /** @type {string | undefined} */ busy: undefined,
    /** @type {string | undefined} */ error: undefined,
  };

  /** @param {FromWebview} message */
  const post = (message) => vscode.postMessage(message);

  window.addEventListener('message', (event) => {
    /** @type {ToWebview} */
    const m = event.data;
    if (m.type === 'userInput') return userInput(m);
    state.busy = undefined;
    state.error = undefined;
    if (m.type === 'result') {
      state.result = m.result;
      state.comparison = undefined;
      state.selected = undefined;
    } else if (m.type === 'comparison') {
      state.comparison = { suggestionIndex: m.suggestionIndex, after: m.after, diff: m.diff, titles: m.titles };
    } else if (m.type === 'suggestion' && state.result) {
      const suggestions = state.result.suggestions.map((x, i) => (i === m.suggestionIndex ? m.suggestion : x));
      state.result = { ...state.result, suggestions };
    } else if (m.type === 'busy') {
      state.busy = m.message;
    } else if (m.type === 'failed') {
      state.error = m.message;
    }
    saveState();
    render();
  });

  const saveState = () =>
    vscode.setState({ format: state.format, result: state.result, comparison: state.comparison, selected: state.selected });

  // ---------------------------------------------------------------- DOM helpers

  /**
   * @param {string} tag
   * @param {{ [key: string]: any }} [props] class, title, text, on<event>, role, aria-*, open, data-*
   * @param {...(Node | string | false | null | undefined)} children
   * @returns {HTMLElement}
   */
  function h(tag, props = {}, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = value;
      else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else if (key === 'open') /** @type {HTMLDetailsElement} */ (el).open = value;
      else el.setAttribute(key, String(value));
    }
    for (const child of children) if (child !== undefined && child !== null && child !== false) el.append(child);
    return el;
  }

  /** @param {number} share 0..1 @param {string} kind */
  function bar(share, kind) {
    const fill = h('span', { class: `bar-fill ${kind}` });
    // CSSOM assignment is allowed under the CSP (style attributes in markup are not).
    fill.style.width = `${Math.max(0, Math.min(1, share)) * 100}%`;
    return fill;
  }

  // ---------------------------------------------------------------- formatting

  /** @param {number | null | undefined} v */
  function ms(v) {
    if (v === null || v === undefined) return '–';
    if (v < 1) return `${v.toFixed(3)} ms`;
    if (v < 100) return `${v.toFixed(2)} ms`;
    if (v < 10000) return `${v.toFixed(0)} ms`;
    return `${(v / 1000).toFixed(1)} s`;
  }
  /** @param {number} n */
  const count = (n) => Math.round(n).toLocaleString('en-US');
  /** @param {number} n */
  const cost = (n) => (n >= 100 ? count(n) : n.toFixed(2));
  /** @param {number} before @param {number} after */
  function change(before, after) {
    if (!before) return '';
    const pct = ((after - before) / before) * 100;
    return `${pct <= 0 ? '−' : '+'}${Math.abs(pct) >= 99.95 || Math.abs(pct) < 10 ? Math.abs(pct).toFixed(1) : Math.abs(pct).toFixed(0)}%`;
  }

  // ---------------------------------------------------------------- rendering

  function render() {
    const started = performance.now();
    app.replaceChildren();
    const r = state.result;
    if (!r) {
      app.append(h('p', { class: 'muted', text: 'Waiting for a plan…' }));
      return;
    }
    // Only this line is live: a screen reader hears what changed, not the whole panel again.
    status.textContent = state.error || state.busy || statusLine(r);
    app.append(summary(r));
    if (state.busy) app.append(h('p', { class: 'banner busy', text: state.busy }));
    if (state.error) app.append(h('p', { class: 'banner error', text: state.error }));
    if (r.mode === 'advise') app.append(suggestions(r));
    else
      app.append(
        h('p', { class: 'muted', text: 'For index suggestions verified on this database, run "PG Tuner: Explain & Suggest Index".' }),
      );
    app.append(planSection(r));
    PlanGraph.placeAttached();
    // Reading the text forces style and layout: the time includes them.
    const text = app.innerText;
    lastRenderMs = performance.now() - started;
    post({ type: 'rendered', text, renderMs: lastRenderMs, view: viewReport() });
  }
  /** @type {number | undefined} */
  let lastRenderMs;

  /** What the views show besides their text: the format, the selection and the graph's transform. @returns {RenderedView} */
  function viewReport() {
    const canvas = app.querySelector('.graph-svg');
    return {
      format: state.format,
      selected: state.selected && `${state.selected.which}-${state.selected.id}`,
      marked: [...app.querySelectorAll('[data-node].selected')].map((el) => el.getAttribute('data-node') || ''),
      graph: canvas
        ? {
            nodes: Number(canvas.getAttribute('data-nodes')),
            edges: Number(canvas.getAttribute('data-edges')),
            shown: app.querySelectorAll('.graph-node').length,
            transform: canvas.querySelector('.graph-world')?.getAttribute('transform') || '',
          }
        : undefined,
    };
  }

  /**
   * An extension test acting as the user: focus, click, keys at one element; then the panel
   * reports what it shows.
   * @param {Extract<ToWebview, { type: 'userInput' }>} m
   */
  function userInput(m) {
    const el = document.querySelector(m.selector);
    if (el instanceof HTMLElement || el instanceof SVGElement) {
      el.focus();
      if (m.click) el.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
      for (const key of m.keys || [])
        (document.activeElement || el).dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
    }
    post({ type: 'rendered', text: app.innerText, renderMs: lastRenderMs, view: viewReport() });
  }

  /** @param {ExplainResultView} r */
  function statusLine(r) {
    const plan = r.before.plan;
    const slowest = slowestNode(plan);
    const where = `slowest: ${nodeName(slowest)}, ${percent(slowest.share)} of the ${plan.analyzed ? 'time' : 'cost'}`;
    const what = state.comparison ? 'Plans compared' : 'Plan shown';
    return `${what}: ${plan.analyzed ? `execution ${ms(plan.executionMs)}` : `estimated cost ${cost(plan.totalCost)} planner units`}; ${where}.`;
  }

  /** @param {Plan} plan @returns {PlanNode} */
  function slowestNode(plan) {
    let n = plan.root;
    for (;;) {
      const next = n.children.find((c) => c.onSlowestPath);
      if (!next) return n;
      n = next;
    }
  }

  /** @param {PlanNode} n */
  function nodeName(n) {
    return `${n.operation ?? n.nodeType}${n.relation ? ` on ${n.relation}` : n.index ? ` on ${n.index}` : ''}`;
  }

  /** @param {number | undefined} share */
  const percent = (share = 0) => `${share >= 0.995 ? 100 : share >= 0.1 ? Math.round(share * 100) : (share * 100).toFixed(1)}%`;

  /** @param {number | undefined} share */
  const severity = (share = 0) => (share >= 0.5 ? 'sev-high' : share >= 0.1 ? 'sev-mid' : '');

  /** The path from the root to the slowest node, each step a link to the node: visible without expanding anything. @param {Plan} plan */
  function slowestPath(plan) {
    const path = [];
    for (let n = /** @type {PlanNode | undefined} */ (plan.root); n; n = n.children.find((c) => c.onSlowestPath)) path.push(n);
    const last = path[path.length - 1];
    return h(
      'nav',
      { class: 'slowest-path', 'aria-label': 'Slowest path' },
      h('span', { class: 'label', text: 'Slowest path: ' }),
      ...path.flatMap((n, i) => [
        i ? h('span', { class: 'muted', 'aria-hidden': 'true', text: ' › ' }) : undefined,
        h('button', {
          class: `link ${n === last ? severity(n.share) : ''}`,
          title: 'Show this node in the plan',
          onclick: () => focusNode('before', n.id),
          text: n === last ? `${nodeName(n)} (${percent(n.share)} self)` : nodeName(n),
        }),
      ]),
    );
  }

  /** @param {ExplainResultView} r */
  function summary(r) {
    const plan = r.before.plan;
    const metrics = [
      ['Connection', r.connection],
      r.parameters ? ['Parameters', r.parameters] : undefined,
      ['Planning', ms(plan.planningMs)],
      ['Execution', plan.analyzed ? ms(plan.executionMs) : 'not executed (plain EXPLAIN)'],
      ['Total cost', `${cost(plan.totalCost)} planner units`],
    ].filter(Boolean);
    return h(
      'header',
      { class: 'summary' },
      h(
        'div',
        { class: 'title-row' },
        h('h1', { text: r.mode === 'advise' ? 'Explain & Suggest' : 'Explain' }),
        h('span', {
          class: `pill ${plan.analyzed ? 'analyzed' : 'estimated'}`,
          text: plan.analyzed ? 'EXPLAIN ANALYZE' : 'estimates only',
        }),
      ),
      h('pre', { class: 'statement', text: r.statement }),
      h(
        'dl',
        { class: 'metrics' },
        ...metrics.map((m) =>
          h('div', {}, h('dt', { text: /** @type {string[]} */ (m)[0] }), h('dd', { text: /** @type {string[]} */ (m)[1] })),
        ),
      ),
      slowestPath(plan),
      plan.hotspots.length ? hotspots(plan) : undefined,
    );
  }

  /** @param {Plan} plan */
  function hotspots(plan) {
    return h(
      'section',
      { class: 'hotspots', 'aria-label': 'Hotspots' },
      h('h2', { text: 'Hotspots' }),
      h(
        'ul',
        {},
        ...plan.hotspots.slice(0, HOTSPOTS_LISTED).map((spot) =>
          h(
            'li',
            {},
            h('button', {
              class: 'link',
              title: 'Show this node in the plan',
              onclick: () => focusNode('before', spot.nodeId),
              text: `${Math.round(spot.share * 100)}%`,
            }),
            ' ',
            spot.message,
          ),
        ),
        plan.hotspots.length > HOTSPOTS_LISTED
          ? h('li', { class: 'muted', text: `${count(plan.hotspots.length - HOTSPOTS_LISTED)} more, each marked ⚠ in the tree` })
          : undefined,
      ),
    );
  }

  /** @param {ExplainResultView} r */
  function suggestions(r) {
    const section = h(
      'section',
      { class: 'suggestions', 'aria-label': 'Suggestions' },
      h('h2', { text: r.suggestions.length ? `Suggested indexes (${r.suggestions.length})` : 'No index suggested' }),
    );
    r.suggestions.forEach((s, i) => section.append(card(s, i)));
    if (r.notes.length) section.append(h('ul', { class: 'notes' }, ...r.notes.map((n) => h('li', { text: n }))));
    return section;
  }

  /** @param {SuggestionView} s @param {number} index */
  function card(s, index) {
    const e = s.evidence;
    const verified = {
      hypopg: 'HypoPG (hypothetical index, nothing built)',
      'trial-build': 'trial build in a rolled-back transaction',
      none: 'not verified',
    }[e.verifiedBy];
    const rows = [
      ['Cost', `${cost(e.costBefore)} → ${cost(e.costAfter)}`, change(e.costBefore, e.costAfter)],
      e.msBefore !== null || e.msAfter !== null
        ? [
            'Time',
            `${ms(e.msBefore)} → ${e.msAfter === null ? 'not measured' : ms(e.msAfter)}`,
            e.msBefore && e.msAfter !== null ? change(e.msBefore, e.msAfter) : '',
          ]
        : undefined,
      ['Size', s.sizeText, e.sizeBytes === null ? '' : 'estimated'],
      ['Verified by', verified, e.note || ''],
      e.measured ? measuredRow(e.measured) : undefined,
    ].filter(Boolean);
    const alternatives = s.alternatives || [];
    const chosen = s.picked === undefined ? undefined : alternatives[s.picked];
    // Measuring builds the index for real: offered where only HypoPG vouches for it (a trial build already ran it).
    const measurable = (chosen ? chosen.verifiedBy : e.verifiedBy) === 'hypopg';
    const measured = chosen ? chosen.measured : e.measured;
    const comparing = state.comparison && state.comparison.suggestionIndex === index;
    return h(
      'article',
      { class: `card${comparing ? ' comparing' : ''}`, 'aria-label': s.name },
      h(
        'header',
        {},
        h('h3', { text: s.name }),
        h('span', { class: 'table', text: `on ${s.table} · ${s.method}` }),
        h('span', { class: 'kinds' }, ...s.kinds.map((k) => h('span', { class: 'chip', text: k }))),
      ),
      h('pre', { class: 'ddl', text: [...s.requires, s.ddl].join('\n') }),
      h('p', { class: 'reason', text: s.reason }),
      h(
        'table',
        { class: 'evidence' },
        h(
          'tbody',
          {},
          ...rows.map((row) => {
            const [label, value, extra] = /** @type {string[]} */ (row);
            return h('tr', {}, h('th', { scope: 'row', text: label }), h('td', { text: value }), h('td', { class: 'muted', text: extra }));
          }),
        ),
      ),
      e.measured && e.measured.notes.length ? h('ul', { class: 'notes' }, ...e.measured.notes.map((n) => h('li', { text: n }))) : undefined,
      alternatives.length ? alternativesTable(s, index) : undefined,
      h(
        'div',
        { class: 'actions' },
        h('button', {
          class: 'primary',
          onclick: () => post({ type: 'createMigration', suggestionIndex: index }),
          text: chosen ? `Create Migration (${chosen.method})` : 'Create Migration',
        }),
        measurable
          ? h('button', {
              class: 'secondary',
              title:
                'Build the index for real inside a rolled-back transaction and time the statement without and with it (not on production)',
              onclick: () => post({ type: 'measure', suggestionIndex: index }),
              text: measured ? 'Measure Again' : 'Measure',
            })
          : undefined,
        h('button', { class: 'secondary', onclick: () => post({ type: 'copyDdl', suggestionIndex: index }), text: 'Copy DDL' }),
        h('button', {
          class: 'secondary',
          onclick: () => post({ type: 'explainWithIndex', suggestionIndex: index }),
          text: 'Explain Again With This Index',
        }),
      ),
    );
  }

  /** @param {import('../src/core/advisor/types').Measured} m @returns {string[]} */
  function measuredRow(m) {
    const built = m.buildMs === null ? 'not built' : `built in ${ms(m.buildMs)} and rolled back`;
    return [
      'Measured',
      `${ms(m.msBefore)} → ${ms(m.msAfter)}`,
      `${m.msBefore && m.msAfter !== null ? `${change(m.msBefore, m.msAfter)}, ` : ''}${built}, faster of ${m.runs} runs each`,
    ];
  }

  /**
   * The indexes that qualify for one suggestion (the BRIN and the btree beside it): size, the
   * verified plan's cost, the time once measured, and which one Create Migration uses.
   * @param {SuggestionView} s @param {number} index
   */
  function alternativesTable(s, index) {
    const e = s.evidence;
    const rows = [
      { pick: -1, name: s.name, method: `${s.method} (default)`, size: s.sizeText, costAfter: e.costAfter, measured: e.measured },
      ...(s.alternatives || []).map((a, i) => ({
        pick: i,
        name: a.name,
        method: a.method,
        size: s.alternativeSizeTexts[i],
        costAfter: a.costAfter,
        measured: a.measured,
      })),
    ];
    const picked = s.picked === undefined ? -1 : s.picked;
    return h(
      'fieldset',
      { class: 'alternatives' },
      h('legend', {
        text: `Which index? The default is the ${s.method} (the reason above says why); Create Migration uses the one picked.`,
      }),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Use', 'Index', 'Method', 'Size', 'Estimated cost', 'Measured time'].map((t) => h('th', { scope: 'col', text: t })),
          ),
        ),
        h(
          'tbody',
          {},
          ...rows.map((row) =>
            h(
              'tr',
              { class: row.pick === picked ? 'picked' : undefined },
              h(
                'td',
                {},
                h('input', {
                  type: 'radio',
                  name: `pick-${index}`,
                  'aria-label': `Use ${row.name}`,
                  checked: row.pick === picked,
                  onchange: () => post({ type: 'pickAlternative', suggestionIndex: index, alternative: row.pick }),
                }),
              ),
              h('td', { text: row.name }),
              h('td', { text: row.method }),
              h('td', { text: row.size }),
              h('td', { text: `${cost(e.costBefore)} → ${cost(row.costAfter)} (${change(e.costBefore, row.costAfter)})` }),
              h('td', { text: row.measured ? `${ms(row.measured.msBefore)} → ${ms(row.measured.msAfter)}` : 'not measured' }),
            ),
          ),
        ),
      ),
    );
  }

  /** @param {ExplainResultView} r */
  function planSection(r) {
    /** @param {PlanFormat} format @param {string} label */
    const tab = (format, label) =>
      h('button', {
        class: `tab${state.format === format ? ' selected' : ''}`,
        role: 'tab',
        'data-format': format,
        'aria-selected': String(state.format === format),
        onclick: () => {
          state.format = format;
          saveState();
          render();
        },
        text: label,
      });
    // Two stored plans (the plan history) come with their own headings.
    const titles = state.comparison && state.comparison.titles;
    const columns = [planColumn('before', titles ? titles.before : state.comparison ? 'Current plan' : 'Plan', r.before)];
    if (state.comparison) {
      const s = r.suggestions[state.comparison.suggestionIndex];
      const after = titles ? titles.after : `With ${s ? s.name : 'the suggested index'} (hypothetical, estimates)`;
      columns.push(planColumn('after', after, state.comparison.after, r.before.plan));
    }
    return h(
      'section',
      { class: 'plan-section', 'aria-label': 'Plan' },
      h(
        'div',
        { class: 'toolbar' },
        h(
          'div',
          { role: 'tablist', 'aria-label': 'Plan format' },
          tab('tree', 'Tree'),
          tab('graph', 'Graph'),
          tab('icicle', 'Icicle'),
          tab('text', 'Text'),
          tab('json', 'Raw JSON'),
        ),
      ),
      selectionBar(),
      state.comparison ? differences(state.comparison.diff, !!titles) : undefined,
      h('div', { class: `plans${state.comparison ? ' side-by-side' : ''}` }, ...columns),
    );
  }

  /**
   * What changed between the current plan and the what-if plan, node by node (scans matched by
   * their relation): changed rows are marked, own time or cost and rows before and after.
   * @param {PlanComparison} diff @param {boolean} stored two stored plans (before, after) rather than the what-if plan
   */
  function differences(diff, stored) {
    const unit = diff.measure === 'time' ? ms : /** @param {number} v */ (v) => `${cost(v)} units`;
    const rows = diff.nodes.filter(
      (n) => n.changed || (n.before && n.after && Math.abs(n.before.own - n.after.own) > 0.05 * diff.totalBefore),
    );
    return h(
      'section',
      { class: 'differences', 'aria-label': 'What changed' },
      h('h2', {
        text: `What changed: total ${unit(diff.totalBefore)} → ${unit(diff.totalAfter)} (${change(diff.totalBefore, diff.totalAfter)})`,
      }),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              'Node',
              stored ? 'Before' : 'Current plan',
              stored ? 'After' : 'With the index',
              `Own ${diff.measure === 'time' ? 'time' : 'cost'}`,
              'Rows',
            ].map((t) => h('th', { scope: 'col', text: t })),
          ),
        ),
        h(
          'tbody',
          {},
          ...rows.map((n) =>
            h(
              'tr',
              { class: n.changed ? 'changed' : '' },
              h('th', { scope: 'row', text: n.key }),
              h('td', { text: n.before ? n.before.label : '(not in this plan)' }),
              h('td', { text: `${n.after ? n.after.label : '(gone)'}${n.changed ? ' ◀ changed' : ''}` }),
              h('td', {
                text: `${n.before ? unit(n.before.own) : '–'} → ${n.after ? unit(n.after.own) : '–'}`,
              }),
              h('td', { text: `${n.before ? count(n.before.rows) : '–'} → ${n.after ? count(n.after.rows) : '–'}` }),
            ),
          ),
        ),
      ),
    );
  }

  /**
   * @param {'before' | 'after'} which @param {string} title @param {PlanView} view
   * @param {Plan} [baseline] the plan this one is compared with
   */
  function planColumn(which, title, view, baseline) {
    const plan = view.plan;
    const delta = baseline ? ` (${change(baseline.totalCost, plan.totalCost)})` : '';
    const body =
      state.format === 'text'
        ? h('pre', { class: 'plan-text', text: view.text })
        : state.format === 'graph'
          ? PlanGraph.render({
              which,
              plan,
              label: title,
              selected: () => selectedIn(which),
              fmt: graphFormat,
              onSelect: (id) => select(which, id),
            })
          : state.format === 'icicle'
            ? icicle(which, plan)
            : state.format === 'json'
              ? h('pre', { class: 'plan-text', text: JSON.stringify(plan.raw, null, 2) })
              : h(
                  'div',
                  { class: 'tree', role: 'tree', 'aria-label': title, onkeydown: treeKeys },
                  node(which, plan, plan.root, nodesToOpen(plan, selectedIn(which))),
                );
    return h(
      'div',
      { class: 'plan-column' },
      h(
        'div',
        { class: 'column-head' },
        h('h2', { text: title }),
        h('span', {
          class: 'muted',
          title: "the planner's estimate in its own units (seq_page_cost = 1), not milliseconds",
          text: `est. cost ${cost(plan.totalCost)} planner units${delta}`,
        }),
        h('button', { class: 'secondary small', onclick: () => post({ type: 'savePlan', which }), text: 'Save as .plan' }),
      ),
      body,
    );
  }

  /** Estimated cost of a node alone, planner units (without ANALYZE, the measure of its share). @param {PlanNode} n */
  const ownCost = (n) => Math.max(0, n.totalCost - n.children.reduce((sum, c) => sum + c.totalCost, 0));

  /** @param {PlanNode} n @returns {number} */
  const countNodes = (n) => 1 + n.children.reduce((sum, c) => sum + countNodes(c), 0);

  /**
   * One node, self time first: its own share of the statement (bar and colour by severity), then
   * the total with its children, loops spelled out (the server's times and rows are per loop).
   * @param {'before' | 'after'} which @param {Plan} plan @param {PlanNode} n @param {Set<number> | null} openIds @returns {HTMLElement}
   */
  function node(which, plan, n, openIds) {
    const spots = plan.hotspots.filter((s) => s.nodeId === n.id);
    const analyzed = plan.analyzed && n.inclusiveMs !== undefined;
    const total = analyzed ? plan.executionMs || plan.root.inclusiveMs || 1 : plan.totalCost || 1;
    const inclusive = analyzed ? /** @type {number} */ (n.inclusiveMs) : n.totalCost;
    const exclusive = analyzed ? n.exclusiveMs || 0 : ownCost(n);
    const never = plan.analyzed && n.loops === 0;
    const loops = n.loops || 1;
    const sev = never ? '' : severity(n.share);

    const title = h(
      'span',
      { class: 'node-title' },
      n.onSlowestPath ? h('span', { class: 'path-mark', title: 'on the slowest path', text: '◆ ' }) : undefined,
      h('span', {
        class: 'node-type',
        text: n.operation ?? (n.joinType && !n.nodeType.includes(n.joinType) ? `${n.nodeType} (${n.joinType})` : n.nodeType),
      }),
      n.index ? h('span', { class: 'muted', text: ' using ' }) : undefined,
      n.index ? h('span', { class: 'index', text: n.index }) : undefined,
      n.relation ? h('span', { class: 'muted', text: ' on ' }) : undefined,
      n.relation
        ? h('span', {
            class: 'relation',
            text: `${n.schema && n.schema !== 'public' ? `${n.schema}.` : ''}${n.relation}${n.alias && n.alias !== n.relation ? ` ${n.alias}` : ''}`,
          })
        : undefined,
      spots.length ? h('span', { class: 'hot-mark', title: spots.map((s) => s.message).join('\n'), text: ' ⚠' }) : undefined,
    );

    const self = h(
      'span',
      {
        class: `metric time ${sev}`,
        title: analyzed
          ? 'time in this node alone, all loops, and its share of the execution time'
          : 'estimated cost of this node alone (planner units) and its share of the total cost',
      },
      h('span', { class: 'bar', 'aria-hidden': 'true' }, bar(inclusive / total, 'inclusive'), bar(exclusive / total, 'exclusive')),
      h('span', {
        class: 'numbers',
        text: never ? 'never executed' : `self ${analyzed ? ms(exclusive) : `cost ${cost(exclusive)}`} · ${percent(n.share)}`,
      }),
    );
    const withChildren = never
      ? undefined
      : h('span', {
          class: 'metric total',
          title: analyzed ? 'time with its children, all loops' : 'estimated cost with its children (planner units)',
          text: analyzed
            ? loops > 1
              ? `total ${ms(inclusive)} = ${count(loops)} loops × ${ms(inclusive / loops)}`
              : `total ${ms(inclusive)}`
            : `total cost ${cost(inclusive)}`,
        });

    const rows = h('span', { class: 'metric rows', title: "rows returned, against the planner's estimate (both per loop)" });
    if (n.actualRows === undefined || never) {
      rows.append(`est ${count(n.planRows)} rows`);
    } else {
      rows.append(`${count(n.actualRows)} rows${loops > 1 ? '/loop' : ''} · est ${count(n.planRows)}`);
      if (n.misestimate !== undefined && n.misestimate >= 2) {
        const under = n.actualRows > n.planRows;
        const factor = n.misestimate >= 100 ? count(n.misestimate) : n.misestimate.toFixed(1);
        rows.append(
          ' ',
          h('span', {
            class: `factor${n.misestimate >= MISESTIMATE_FLAG ? ' flag' : ''}`,
            title: `${under ? 'under' : 'over'}-estimated ${factor} times: ${under ? 'more' : 'fewer'} rows than the planner expected`,
            text: `${under ? '▲' : '▼'} ×${factor} ${under ? 'under' : 'over'}`,
          }),
        );
      }
    }

    const details = () =>
      h(
        'div',
        { class: 'node-details' },
        ...n.conditions.map((c) =>
          h('div', { class: 'condition' }, h('span', { class: 'label', text: `${c.label}: ` }), h('code', { text: c.text })),
        ),
        n.rowsRemovedByFilter
          ? h(
              'div',
              { class: 'removed' },
              h('span', { class: 'label', text: 'Rows removed by filter: ' }),
              `${count(n.rowsRemovedByFilter)}${loops > 1 ? ` in all ${count(loops)} loops` : ''}`,
            )
          : undefined,
        n.heapFetches ? h('div', {}, h('span', { class: 'label', text: 'Heap fetches: ' }), count(n.heapFetches)) : undefined,
        n.sortMethod ? h('div', {}, h('span', { class: 'label', text: 'Sort method: ' }), n.sortMethod) : undefined,
        n.buffers
          ? h(
              'div',
              {},
              h('span', { class: 'label', text: 'Buffers: ' }),
              `shared hit ${count(n.buffers.sharedHit)} · read ${count(n.buffers.sharedRead)}${n.buffers.sharedDirtied ? ` · dirtied ${count(n.buffers.sharedDirtied)}` : ''}${n.buffers.tempRead || n.buffers.tempWritten ? ` · temp read ${count(n.buffers.tempRead)} written ${count(n.buffers.tempWritten)}` : ''}`,
            )
          : undefined,
        h(
          'div',
          { class: 'muted' },
          `cost ${n.startupCost.toFixed(2)}..${n.totalCost.toFixed(2)} planner units · width ${n.planWidth} bytes${
            analyzed && n.actualStartupMs !== undefined ? ` · first row after ${ms(n.actualStartupMs)}${loops > 1 ? ' per loop' : ''}` : ''
          }`,
        ),
        ...spots.map((s) => h('div', { class: 'hot-message', text: `⚠ ${s.message}` })),
      );

    // Big plans open what matters: the slowest path, nodes with a tenth of the statement, the way to each hotspot.
    const open = !openIds || openIds.has(n.id) || inclusive / total >= 0.1;
    const el = h(
      'details',
      {
        class: `node${selectedIn(which) === n.id ? ' selected' : ''}${spots.length ? ' hot' : ''}${never ? ' never' : ''}${sev ? ` ${sev}` : ''}${n.onSlowestPath ? ' slow-path' : ''}`,
        id: `${which}-${n.id}`,
        open,
        role: 'treeitem',
        'data-node': `${which}-${n.id}`,
        'aria-selected': String(selectedIn(which) === n.id),
      },
      h('summary', { onfocus: () => select(which, n.id) }, title, h('span', { class: 'node-metrics' }, self, withChildren, rows)),
    );
    // A closed node builds its details and children when first opened, so a big plan renders fast.
    const fill = () => {
      el.append(details());
      if (n.children.length) el.append(childList(which, plan, n, openIds));
    };
    if (open) fill();
    else el.addEventListener('toggle', fill, { once: true });
    return el;
  }

  /**
   * A node's children; in a big plan the first CHILDREN_SHOWN and those on the way to what
   * matters, the rest behind a button (an Append over thousands of partitions stays fast).
   * @param {'before' | 'after'} which @param {Plan} plan @param {PlanNode} n @param {Set<number> | null} openIds
   */
  function childList(which, plan, n, openIds) {
    const group = h('div', { class: 'children', role: 'group' });
    const shown = openIds ? n.children.filter((c, i) => i < CHILDREN_SHOWN || openIds.has(c.id) || (c.share ?? 0) >= 0.1) : n.children;
    group.append(...shown.map((c) => node(which, plan, c, openIds)));
    const hidden = n.children.filter((c) => !shown.includes(c));
    if (hidden.length) {
      const more = h('button', {
        class: 'link more-nodes',
        text: `Show ${count(hidden.length)} more nodes`,
        onclick: () => more.replaceWith(...hidden.map((c) => node(which, plan, c, openIds))),
      });
      group.append(more);
    }
    return group;
  }

  /**
   * The nodes a big plan opens: those on the slowest path, every ancestor of a listed hotspot (the
   * hotspot links must find their node) and the selected node with its ancestors (selected in
   * another view, it shows here); null for a small plan, which opens everything.
   * @param {Plan} plan @param {number} [selectedId] @returns {Set<number> | null}
   */
  function nodesToOpen(plan, selectedId) {
    if (countNodes(plan.root) <= OPEN_ALL_UP_TO) return null;
    const hot = new Set(plan.hotspots.slice(0, HOTSPOTS_LISTED).map((s) => s.nodeId));
    if (selectedId !== undefined) hot.add(selectedId);
    const open = new Set();
    /** @param {PlanNode} n @returns {boolean} whether n or a descendant must be visible */
    const visit = (n) => {
      let below = false;
      for (const c of n.children) below = visit(c) || below;
      if (below || n.onSlowestPath) open.add(n.id);
      return below || hot.has(n.id) || !!n.onSlowestPath;
    };
    visit(plan.root);
    if (selectedId !== undefined) open.add(selectedId);
    return open;
  }

  /**
   * The plan as an icicle: one row per depth, each node as wide as its time with its children
   * (cost without ANALYZE), coloured by its own share; a click selects the node in every view.
   * @param {'before' | 'after'} which @param {Plan} plan
   */
  function icicle(which, plan) {
    /** @param {PlanNode} n */
    const size = (n) => (plan.analyzed ? n.inclusiveMs || 0 : n.totalCost);
    /** @type {{ n: PlanNode, left: number, width: number }[][]} */
    const rows = [];
    /** @param {PlanNode} n @param {number} depth @param {number} left @param {number} width */
    const place = (n, depth, left, width) => {
      (rows[depth] = rows[depth] || []).push({ n, left, width });
      // Loops and workers can make children add up to more than their parent: scale them into it.
      const room =
        Math.max(
          size(n),
          n.children.reduce((sum, c) => sum + size(c), 0),
        ) || 1;
      let x = left;
      for (const c of n.children) {
        const w = (width * size(c)) / room;
        place(c, depth + 1, x, w);
        x += w;
      }
    };
    place(plan.root, 0, 0, 1);
    return h(
      'div',
      { class: 'icicle', role: 'group', 'aria-label': 'Icicle chart: width is the time with children, colour the own share' },
      ...rows.map((row) =>
        h(
          'div',
          { class: 'icicle-row' },
          ...row
            .filter((b) => b.width >= 0.002)
            .map((b) => {
              const box = h('button', {
                class: `icicle-box ${severity(b.n.share)}${selectedIn(which) === b.n.id ? ' selected' : ''}`,
                title: `${nodeName(b.n)}: ${percent(b.n.share)} own, ${percent(b.width)} with its children`,
                'aria-label': `${nodeName(b.n)}, ${percent(b.n.share)} own`,
                'aria-pressed': String(selectedIn(which) === b.n.id),
                'data-node': `${which}-${b.n.id}`,
                onclick: () => select(which, b.n.id),
                text: nodeName(b.n),
              });
              box.style.left = `${b.left * 100}%`;
              box.style.width = `${b.width * 100}%`;
              return box;
            }),
        ),
      ),
    );
  }

  /** @param {'before' | 'after'} which @returns {number | undefined} the selected node's id in that plan */
  const selectedIn = (which) => (state.selected && state.selected.which === which ? state.selected.id : undefined);

  /**
   * Selects a node in every view: the view on screen marks it at once, the others when shown
   * (each marks `state.selected` as it renders).
   * @param {'before' | 'after'} which @param {number} id
   */
  function select(which, id) {
    if (state.selected && state.selected.which === which && state.selected.id === id) return;
    state.selected = { which, id };
    saveState();
    const key = `${which}-${id}`;
    for (const el of app.querySelectorAll('[data-node]')) {
      const on = el.getAttribute('data-node') === key;
      el.classList.toggle('selected', on);
      el.setAttribute(el.getAttribute('role') === 'treeitem' ? 'aria-selected' : 'aria-pressed', String(on));
    }
    document.getElementById('selection')?.replaceWith(selectionBar());
  }

  /** The selected node of a plan, found by id. @param {NodeSelection | undefined} sel @returns {PlanNode | undefined} */
  function selectedNode(sel) {
    const plan = sel && (sel.which === 'after' ? state.comparison?.after.plan : state.result?.before.plan);
    /** @param {PlanNode} n @returns {PlanNode | undefined} */
    const find = (n) => (n.id === sel?.id ? n : n.children.map(find).find(Boolean));
    return plan && find(plan.root);
  }

  /**
   * The selected node in a line above the graph and the icicle (their boxes are too small for
   * its details), with a way to it in the tree.
   */
  function selectionBar() {
    const sel = state.selected;
    const n = selectedNode(sel);
    if (!sel || !n || state.format === 'tree' || state.format === 'text' || state.format === 'json')
      return h('div', { id: 'selection', hidden: true });
    return h(
      'div',
      { id: 'selection', class: 'selection-bar' },
      h('span', { class: 'label', text: 'Selected: ' }),
      h('span', { class: 'node-type', text: nodeName(n) }),
      h('span', { class: 'muted', text: ` · ${percent(n.share)} own${sel.which === 'after' ? ' (with the index)' : ''} ` }),
      h('button', { class: 'link', onclick: () => focusNode(sel.which, sel.id), text: 'Show in tree' }),
    );
  }

  /** Formatting the graph shares with the other views. @type {GraphFormat} */
  const graphFormat = { nodeName, percent, severity, ms, count, cost, ownCost };

  /**
   * Arrow keys in a tree, as in VS Code's own: up/down to the previous/next visible node,
   * right opens (or goes to the first child), left closes (or goes to the parent), Home/End.
   * @param {KeyboardEvent} e
   */
  function treeKeys(e) {
    const tree = /** @type {HTMLElement} */ (e.currentTarget);
    const current = /** @type {HTMLElement} */ (e.target).closest('summary');
    if (!current) return;
    const item = /** @type {HTMLDetailsElement} */ (current.parentElement);
    const visible = [...tree.querySelectorAll('summary')].filter((el) => el.getClientRects().length > 0);
    const at = visible.indexOf(current);
    /** @type {Element | null | undefined} */
    let next;
    if (e.key === 'ArrowDown') next = visible[at + 1];
    else if (e.key === 'ArrowUp') next = visible[at - 1];
    else if (e.key === 'Home') next = visible[0];
    else if (e.key === 'End') next = visible[visible.length - 1];
    else if (e.key === 'ArrowRight') {
      if (!item.open) item.open = true;
      else next = item.querySelector(':scope > .children > details > summary');
    } else if (e.key === 'ArrowLeft') {
      if (item.open && item.querySelector(':scope > .children')) item.open = false;
      else next = item.parentElement?.closest('details')?.querySelector(':scope > summary');
    } else return;
    e.preventDefault();
    if (next instanceof HTMLElement) next.focus();
  }

  /** Selects a node and shows it in the tree (opened, scrolled to, flashed). @param {'before' | 'after'} which @param {number} nodeId */
  function focusNode(which, nodeId) {
    const id = `${which}-${nodeId}`;
    select(which, nodeId);
    // A node not built yet (in a closed subtree of a big plan) is there once the tree opens the selection.
    if (state.format !== 'tree' || !document.getElementById(id)) {
      state.format = 'tree';
      saveState();
      render();
    }
    const el = document.getElementById(id);
    if (!el) return;
    for (let p = el.parentElement; p; p = p.parentElement) if (p instanceof HTMLDetailsElement) p.open = true;
    el.scrollIntoView({ block: 'center' });
    el.classList.add('flash');
    setTimeout(() => el.classList.remove('flash'), 1200);
  }

  render();
  post({ type: 'ready' });
})();
