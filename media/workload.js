// The "Workload Advice" webview: the index set (tick what goes into the migration or the
// measurement), the budget curve, the statements before and after, and the notes. No network, no
// innerHTML: every text from the database or the SQL goes in through textContent. Messages:
// src/vscode/workload/reportPanel.ts.
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const app = document.getElementById('app');
  const status = document.getElementById('status');
  const SVG = 'http://www.w3.org/2000/svg';

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== false) el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
    return el;
  }
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return el;
  }

  const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];
  function bytes(n) {
    let v = n;
    let u = 0;
    while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
      v /= 1024;
      u++;
    }
    return `${u === 0 || v >= 100 ? Math.round(v) : v.toFixed(1)} ${UNITS[u]}`;
  }
  const cost = (n) => Math.round(n).toLocaleString('en-US');
  const ms = (n) => (n === null || n === undefined ? '—' : `${n < 10 ? n.toFixed(2) : cost(n)} ms`);
  function change(before, after) {
    if (!before) return '';
    const pct = ((after - before) / before) * 100;
    return `${pct > 0 ? '+' : ''}${pct.toFixed(pct > -10 && pct < 10 ? 1 : 0)}%`;
  }
  const weighted = (list, key) => list.reduce((sum, x) => sum + x.calls * x[key], 0);

  function render(view) {
    const r = view.report;
    const before = weighted(r.statements, 'costBefore');
    const after = weighted(r.statements, 'costAfter');
    const picks = { indexes: new Set(r.indexes.map((_, i) => i)), drops: new Set(r.drops.map((_, i) => i)) };
    const create = h('button', { type: 'button', class: 'primary', onclick: () => post() }, 'Create Migration');
    const post = () =>
      vscode.postMessage({
        type: 'createMigration',
        indexes: [...picks.indexes].sort((a, b) => a - b),
        drops: [...picks.drops].sort((a, b) => a - b),
      });
    // Measures the ticked new indexes: built in a rolled-back transaction, every statement timed without and with them.
    const measure = view.measurable
      ? h(
          'button',
          {
            type: 'button',
            title:
              'Builds the ticked indexes in a transaction that is rolled back and runs every statement with EXPLAIN ANALYZE without and with them',
            onclick: () => vscode.postMessage({ type: 'measure', indexes: [...picks.indexes].sort((a, b) => a - b) }),
          },
          'Measure',
        )
      : null;
    const update = () => {
      const n = picks.indexes.size + picks.drops.size;
      create.disabled = n === 0;
      create.textContent = n ? `Create Migration (${n})` : 'Create Migration';
      if (measure) measure.disabled = picks.indexes.size === 0;
    };
    const timed = r.statements.some((st) => st.msBefore !== undefined);
    const tick = (set, i, label) =>
      h('input', {
        type: 'checkbox',
        checked: true,
        'aria-label': label,
        onchange: (e) => {
          if (e.target.checked) set.add(i);
          else set.delete(i);
          update();
        },
      });

    app.replaceChildren(
      ...[
        h('h1', { text: 'Workload advice' }),
        h('p', { class: 'muted', text: `${view.connection} · ${view.source}` }),
        h(
          'p',
          { class: 'summary' },
          `${r.statements.length} statements, weighted cost ${cost(before)} → ${cost(after)} (${change(before, after)}) with ${r.indexes.length} new index${r.indexes.length === 1 ? '' : 'es'} of ${bytes(r.totalBytes)}`,
          r.budgetBytes !== null ? ` (budget ${bytes(r.budgetBytes)})` : ' (no budget)',
          r.drops.length ? `, ${r.drops.length} unused index${r.drops.length === 1 ? '' : 'es'} to drop.` : '.',
        ),
        r.worse.length ? h('p', { class: 'worse', role: 'alert', text: `Worse with the set: ${r.worse.join(', ')}` }) : null,
        h('h2', { text: 'Indexes' }),
        r.indexes.length
          ? table(
              ['', 'Index', 'Kinds', 'Size', 'Serves', 'Read cost saved', 'Write cost', 'Why'],
              r.indexes.map((ix, i) => [
                tick(picks.indexes, i, `Include ${ix.name} in the migration`),
                h('div', {}, h('strong', { text: ix.name }), h('code', { class: 'ddl', text: [...ix.requires, ix.ddl].join('\n') })),
                ix.kinds.join(', '),
                bytes(ix.bytes),
                ix.serves.length
                  ? h(
                      'ul',
                      { class: 'serves' },
                      ix.serves.map((id) => h('li', { text: statementLabel(r, id) })),
                    )
                  : 'none in the final plans',
                cost(ix.readBenefit),
                cost(ix.writeCost),
                ix.reason,
              ]),
            )
          : h('p', { class: 'muted', text: 'No new index pays for itself in this workload.' }),
        r.drops.length ? h('h2', { text: 'Unused indexes to drop' }) : null,
        r.drops.length
          ? table(
              ['', 'Index', 'Why'],
              r.drops.map((d, i) => [
                tick(picks.drops, i, `Include dropping ${d.index} in the migration`),
                h('div', {}, h('strong', { text: d.index }), h('code', { class: 'ddl', text: d.ddl })),
                d.reason,
              ]),
            )
          : null,
        r.indexes.length || r.drops.length ? h('p', { class: 'actions' }, create, measure && r.indexes.length ? measure : null) : null,
        view.measured ? measuredSummary(r, view.measured) : null,
        h('h2', { text: 'Budget curve' }),
        curve(r),
        h('h2', { text: 'Statements' }),
        table(
          ['Statement', 'Calls', 'Cost before', 'Cost after', 'Change', ...(timed ? ['Time before', 'Time after'] : []), 'Served by'],
          r.statements.map((st) => [
            h('div', {}, h('strong', { text: st.id }), h('code', { class: 'sql', text: st.sql })),
            cost(st.calls),
            cost(st.costBefore),
            cost(st.costAfter),
            change(st.costBefore, st.costAfter),
            ...(timed ? [ms(st.msBefore), ms(st.msAfter)] : []),
            st.servedBy.join(', '),
          ]),
          (row, i) =>
            r.worse.includes(r.statements[i].id) || (view.measured && view.measured.slower.includes(r.statements[i].id)) ? 'worse' : '',
        ),
        r.notes.length ? h('h2', { text: 'Notes' }) : null,
        r.notes.length
          ? h(
              'ul',
              {},
              r.notes.map((n) => h('li', { text: n })),
            )
          : null,
        h(
          'p',
          { class: 'muted' },
          `Search: ${r.search.candidates} candidates, ${r.search.whatIfPlans} what-if plans, cache hit rate ${Math.round(r.search.cacheHitRate * 100)}%, ${(r.search.ms / 1000).toFixed(1)} s.`,
        ),
      ].filter((part) => part !== null),
    );
    update();
    status.textContent = `Workload advice: ${r.indexes.length} indexes, cost ${change(before, after)}.`;
    vscode.setState({ view });
    vscode.postMessage({ type: 'rendered', text: app.innerText });
  }

  /** The last measurement: real times, not estimates, and what could not be run. */
  function measuredSummary(r, m) {
    const run = r.statements.filter((st) => typeof st.msBefore === 'number' && typeof st.msAfter === 'number').length;
    const built = `Measured with ${m.indexes.length} index${m.indexes.length === 1 ? '' : 'es'} built and rolled back (${m.indexes.join(', ')}): `;
    return h(
      'div',
      { class: 'measured', role: 'status' },
      h('p', {
        text: run
          ? built +
            `weighted time of the ${run} statement${run === 1 ? '' : 's'} run ${ms(m.weightedMsBefore)} → ${ms(m.weightedMsAfter)} ` +
            `(${change(m.weightedMsBefore, m.weightedMsAfter)}); building took ${ms(m.buildMs)}.`
          : built + `no statement could be run (below); building took ${ms(m.buildMs)}.`,
      }),
      m.slower.length
        ? h('p', {
            class: 'worse',
            role: 'alert',
            text: `Slower when measured with the set (the planner judged their plans cheaper): ${m.slower.map((id) => statementLabel(r, id)).join('; ')}`,
          })
        : null,
      m.notRun.length
        ? h(
            'ul',
            {},
            m.notRun.map((n) => h('li', { text: `${statementLabel(r, n.id)} was not measured: ${n.note}` })),
          )
        : null,
    );
  }

  /** A statement as a reader knows it: its text's start (pg_stat_statements ids are numbers nobody recognises). */
  function statementLabel(r, id) {
    const st = r.statements.find((x) => x.id === id);
    const text = st ? st.sql.replace(/\s+/g, ' ').trim() : id;
    return text.length > 60 ? `${text.slice(0, 59)}…` : text;
  }

  function table(headers, rows, rowClass) {
    return h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((t) => h('th', { scope: 'col', text: t })),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((cells, i) =>
          h(
            'tr',
            { class: rowClass ? rowClass(cells, i) : '' },
            cells.map((c) => h('td', {}, c)),
          ),
        ),
      ),
    );
  }

  /** Weighted cost against storage: where more space stops paying. A table below says the same for screen readers. */
  function curve(r) {
    const points = r.curve;
    if (points.length < 2) return h('p', { class: 'muted', text: 'No index: the curve is flat.' });
    const W = 560;
    const H = 220;
    const pad = { left: 70, right: 16, top: 12, bottom: 36 };
    const maxX = Math.max(...points.map((p) => p.budgetBytes)) || 1;
    const maxY = Math.max(...points.map((p) => p.cost)) || 1;
    const x = (b) => pad.left + (b / maxX) * (W - pad.left - pad.right);
    const y = (c) => pad.top + (1 - c / maxY) * (H - pad.top - pad.bottom);
    const path = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.budgetBytes).toFixed(1)},${y(p.cost).toFixed(1)}`).join(' ');
    const svg = s(
      'svg',
      {
        viewBox: `0 0 ${W} ${H}`,
        class: 'curve',
        role: 'img',
        'aria-label': `Weighted workload cost from ${cost(points[0].cost)} with no index to ${cost(points[points.length - 1].cost)} at ${bytes(maxX)}`,
      },
      s('line', { x1: pad.left, y1: H - pad.bottom, x2: W - pad.right, y2: H - pad.bottom, class: 'axis' }),
      s('line', { x1: pad.left, y1: pad.top, x2: pad.left, y2: H - pad.bottom, class: 'axis' }),
      s('text', { x: pad.left, y: H - 8, class: 'label' }, '0'),
      s('text', { x: W - pad.right, y: H - 8, class: 'label end' }, bytes(maxX)),
      s('text', { x: pad.left - 6, y: pad.top + 10, class: 'label end' }, cost(maxY)),
      s('text', { x: pad.left - 6, y: H - pad.bottom, class: 'label end' }, '0'),
      s('path', { d: path, class: 'line' }),
      ...points.map((p) =>
        s(
          'circle',
          { cx: x(p.budgetBytes), cy: y(p.cost), r: 3.5, class: 'point' },
          s('title', {}, `${bytes(p.budgetBytes)} → ${cost(p.cost)}`),
        ),
      ),
    );
    if (r.budgetBytes !== null && r.budgetBytes <= maxX)
      svg.append(
        s(
          'line',
          { x1: x(r.budgetBytes), y1: pad.top, x2: x(r.budgetBytes), y2: H - pad.bottom, class: 'budget' },
          s('title', {}, `budget ${bytes(r.budgetBytes)}`),
        ),
      );
    return h(
      'div',
      { class: 'curve-wrap' },
      svg,
      h(
        'details',
        {},
        h('summary', { text: 'Curve as a table' }),
        table(
          ['Storage', 'Weighted cost'],
          points.map((p) => [bytes(p.budgetBytes), cost(p.cost)]),
        ),
      ),
    );
  }

  window.addEventListener('message', (e) => {
    const m = e.data;
    if (m && m.type === 'report' && m.view && m.view.report) render(m.view);
  });
  const saved = vscode.getState();
  if (saved && saved.view) render(saved.view);
  vscode.postMessage({ type: 'ready' });
})();
