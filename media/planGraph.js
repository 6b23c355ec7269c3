// @ts-check
// The plan as a graph, for the plan panel's webview (media/plan.js calls PlanGraph.render): one box
// per node, coloured by its own share of the statement, edges as wide as the rows they carry, laid
// out as a tidy tree (root on top). Pan by dragging or with the arrow keys, zoom with the wheel, +/-
// or the buttons, 0 fits. SVG built with createElementNS; every text goes in through textContent.
//
// A plan of thousands of nodes stays fast: the edges and a plain outline of every box are a few
// paths; a box with its text, tooltip and screen-reader label is built only while it is near the
// viewport (and only when zoomed in enough to read it), plus the focused and the selected node.

// Plan and PlanNode are plan.js's typedefs: the two scripts share the page's global scope.
/**
 * Formatting shared with the other views (plan.js owns it).
 * @typedef {{ nodeName(n: PlanNode): string; percent(share?: number): string; severity(share?: number): string; ms(v?: number | null): string; count(n: number): string; cost(n: number): string; ownCost(n: PlanNode): number }} GraphFormat
 */
/**
 * @typedef {{ which: string; plan: Plan; label: string; fmt: GraphFormat; selected(): number | undefined; onSelect(id: number): void }} GraphOptions
 */
/** @typedef {{ n: PlanNode; x: number; y: number; parent?: Placed }} Placed */
/** @typedef {{ x: number; y: number; k: number }} View */

const PlanGraph = (() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const BOX_W = 200;
  const BOX_H = 58;
  const GAP_X = 20;
  const GAP_Y = 44;
  const PAD = 24;
  const MIN_ZOOM = 0.02;
  const MAX_ZOOM = 3;
  const ZOOM_STEP = 1.25;
  const PAN_STEP = 60;
  /** Below this zoom the text is unreadable: only the outlines are drawn (plus the focused and selected boxes). */
  const DETAIL_ZOOM = 0.35;
  /** A big plan whose fit would be unreadable opens at this zoom on its selected node (or its root). */
  const READABLE_ZOOM = 1;
  /** Characters of a node's name that fit in a box at the panel's font size (the full name is in its tooltip and label). */
  const NAME_CHARS = 27;

  /** Where the user left each plan's graph (pan and zoom survive a re-render of the same plan). @type {WeakMap<Plan, View>} */
  const views = new WeakMap();
  /** Graphs rendered but not yet placed: placed once in the page (plan.js calls placeAttached right after it appends them). */
  /** @type {(() => boolean)[]} */
  let unplaced = [];

  /**
   * @param {string} tag @param {{ [key: string]: string | number | undefined }} [attrs]
   * @returns {SVGElement}
   */
  function svg(tag, attrs = {}) {
    const el = /** @type {SVGElement} */ (document.createElementNS(SVG, tag));
    for (const [key, value] of Object.entries(attrs)) if (value !== undefined) el.setAttribute(key, String(value));
    return el;
  }

  /**
   * Tidy tree: leaves take the next free column left to right, a parent sits centred over its
   * first and last child, each depth one row. Subtrees never overlap; no dependency needed.
   * @param {PlanNode} root @returns {{ placed: Placed[]; width: number; height: number }}
   */
  function layout(root) {
    /** @type {Placed[]} */
    const placed = [];
    let column = 0;
    let depthMax = 0;
    /** @param {PlanNode} n @param {number} depth @param {Placed | undefined} parent @returns {Placed} */
    const place = (n, depth, parent) => {
      const p = { n, x: 0, y: depth * (BOX_H + GAP_Y), parent };
      placed.push(p);
      depthMax = Math.max(depthMax, depth);
      if (!n.children.length) p.x = column++ * (BOX_W + GAP_X);
      else {
        const kids = n.children.map((c) => place(c, depth + 1, p));
        p.x = (kids[0].x + kids[kids.length - 1].x) / 2;
      }
      return p;
    };
    place(root, 0, undefined);
    return { placed, width: Math.max(1, column) * (BOX_W + GAP_X) - GAP_X, height: (depthMax + 1) * (BOX_H + GAP_Y) - GAP_Y };
  }

  /** Rows leaving a node, all loops: what an edge carries. @param {Plan} plan @param {PlanNode} n */
  const rowsOut = (plan, n) => (plan.analyzed && n.actualRows !== undefined ? n.actualRows * (n.loops || 0) : n.planRows);

  /** @param {string} text @param {number} max */
  const clip = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

  /** @param {Plan} plan @param {PlanNode} n */
  const isNever = (plan, n) => plan.analyzed && n.loops === 0;

  /**
   * The edges, one path per stroke width (widths by rows, log scale, in half-pixel steps), and
   * the outline of every box, one path per severity: a handful of elements for any plan.
   * @param {Plan} plan @param {GraphFormat} fmt @param {Placed[]} placed
   */
  function backdrop(plan, fmt, placed) {
    const maxRows = placed.reduce((m, p) => Math.max(m, rowsOut(plan, p.n)), 1);
    /** @type {Map<number, string[]>} */
    const edges = new Map();
    /** @type {Map<string, string[]>} */
    const boxes = new Map();
    for (const p of placed) {
      const sev = isNever(plan, p.n) ? 'never' : fmt.severity(p.n.share) || 'plain';
      (boxes.get(sev) || boxes.set(sev, []).get(sev) || []).push(`M${p.x},${p.y}h${BOX_W}v${BOX_H}h${-BOX_W}z`);
      if (!p.parent) continue;
      const width = Math.round(2 * (1 + (7 * Math.log1p(rowsOut(plan, p.n))) / Math.log1p(maxRows))) / 2;
      const x1 = p.parent.x + BOX_W / 2;
      const y1 = p.parent.y + BOX_H;
      const x2 = p.x + BOX_W / 2;
      const mid = p.y - GAP_Y / 2;
      // Elbows: the inputs of one node share a horizontal run, so a node with many inputs stays legible.
      (edges.get(width) || edges.set(width, []).get(width) || []).push(`M${x1},${y1}V${mid}H${x2}V${p.y}`);
    }
    const g = svg('g', { 'aria-hidden': 'true' });
    for (const [width, d] of edges) g.append(svg('path', { class: 'graph-edge', 'stroke-width': width, d: d.join('') }));
    for (const [sev, d] of boxes) g.append(svg('path', { class: `graph-outline ${sev}`, d: d.join('') }));
    return g;
  }

  /**
   * The graph of one plan: a toolbar (zoom out, zoom in, fit) over a viewport holding the SVG.
   * @param {GraphOptions} o @returns {HTMLElement}
   */
  function render(o) {
    const { plan, fmt } = o;
    const { placed, width, height } = layout(plan.root);
    /** @type {Map<number, Placed>} */
    const byId = new Map(placed.map((p) => [p.n.id, p]));
    const world = svg('g', { class: 'graph-world' });
    const nodes = svg('g', { class: 'graph-nodes' });
    world.append(backdrop(plan, fmt, placed), nodes);
    /** The boxes built now, by node id. @type {Map<number, SVGElement>} */
    const built = new Map();
    /** The node Tab comes back to (roving focus): the selected one, else the root. */
    let current = byId.get(o.selected() ?? -1) || placed[0];

    /** A node's box with its text, tooltip and label. @param {Placed} p */
    const box = (p) => {
      const n = p.n;
      const never = isNever(plan, n);
      const name = fmt.nodeName(n);
      const self = never
        ? 'never executed'
        : `self ${plan.analyzed && n.exclusiveMs !== undefined ? fmt.ms(n.exclusiveMs) : `cost ${fmt.cost(fmt.ownCost(n))}`} · ${fmt.percent(n.share)}`;
      const loops = n.loops || 1;
      const rows =
        plan.analyzed && n.actualRows !== undefined && !never
          ? `${fmt.count(n.actualRows)} rows${loops > 1 ? ` × ${fmt.count(loops)} loops` : ''} · est ${fmt.count(n.planRows)}`
          : `est ${fmt.count(n.planRows)} rows`;
      const sev = never ? 'never' : fmt.severity(n.share);
      const selected = o.selected() === n.id;
      const inputs = n.children.length ? `, ${n.children.length} input${n.children.length > 1 ? 's' : ''}` : '';
      const g = svg('g', {
        class: `graph-node${sev ? ` ${sev}` : ''}${selected ? ' selected' : ''}`,
        transform: `translate(${p.x} ${p.y})`,
        role: 'button',
        tabindex: p === current ? 0 : -1,
        'aria-pressed': String(selected),
        'aria-label': `${name}, ${self}, ${rows}${inputs}`,
        'data-node': `${o.which}-${n.id}`,
      });
      /** @param {string} cls @param {number} y @param {string} text */
      const line = (cls, y, text) => {
        const t = svg('text', { class: cls, x: 10, y });
        t.textContent = text;
        return t;
      };
      const tip = svg('title');
      tip.textContent = `${name}\n${self}\n${rows}`;
      g.append(
        tip,
        svg('rect', { class: 'graph-box', width: BOX_W, height: BOX_H, rx: 3 }),
        svg('rect', { class: 'graph-band', width: 4, height: BOX_H, rx: 1 }),
        line('graph-name', 18, clip(name, NAME_CHARS)),
        line('graph-self', 35, self),
        line('graph-rows', 50, clip(rows, NAME_CHARS + 4)),
      );
      return g;
    };

    const canvas = svg('svg', { class: 'graph-svg', 'data-nodes': placed.length, 'data-edges': placed.length - 1 });
    canvas.append(world);
    const viewport = document.createElement('div');
    viewport.className = 'graph-viewport';
    viewport.tabIndex = 0;
    viewport.setAttribute('role', 'group');
    viewport.setAttribute(
      'aria-label',
      `${o.label}: graph of ${placed.length} nodes. Arrow keys pan, plus and minus zoom, 0 fits; Tab to the nodes, then arrow keys move between them and Enter selects.`,
    );
    viewport.append(canvas);

    /** @type {View} */
    let view = views.get(plan) || { x: 0, y: 0, k: 0 };
    let cullQueued = false;
    const apply = () => {
      world.setAttribute('transform', `translate(${view.x.toFixed(1)} ${view.y.toFixed(1)}) scale(${view.k.toFixed(4)})`);
      views.set(plan, view);
      if (!cullQueued) {
        cullQueued = true;
        requestAnimationFrame(cull);
      }
    };
    /**
     * Builds the boxes near the viewport (a screen around it) and drops the others; the focused
     * and the selected node stay, so Tab and the selection always find their box.
     */
    const cull = () => {
      cullQueued = false;
      const w = viewport.clientWidth;
      const h = viewport.clientHeight;
      const detail = view.k >= DETAIL_ZOOM;
      const left = -view.x / view.k - w / view.k;
      const right = left + (3 * w) / view.k;
      const top = -view.y / view.k - h / view.k;
      const bottom = top + (3 * h) / view.k;
      const keep = new Set([current.n.id, o.selected()]);
      for (const p of placed) {
        const near = detail && p.x + BOX_W >= left && p.x <= right && p.y + BOX_H >= top && p.y <= bottom;
        const el = built.get(p.n.id);
        if ((near || keep.has(p.n.id)) && !el) {
          const g = box(p);
          built.set(p.n.id, g);
          nodes.append(g);
        } else if (el && !near && !keep.has(p.n.id) && document.activeElement !== el) {
          el.remove();
          built.delete(p.n.id);
        }
      }
    };
    /** @param {number} k @param {number} [cx] @param {number} [cy] zoom keeping the point (cx, cy) of the viewport still */
    const zoomTo = (k, cx = viewport.clientWidth / 2, cy = viewport.clientHeight / 2) => {
      const next = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, k));
      view = { k: next, x: cx - ((cx - view.x) * next) / view.k, y: cy - ((cy - view.y) * next) / view.k };
      apply();
    };
    /** @param {number} dx @param {number} dy */
    const panBy = (dx, dy) => {
      view = { ...view, x: view.x + dx, y: view.y + dy };
      apply();
    };
    const fitScale = () =>
      Math.max(MIN_ZOOM, Math.min(1, (viewport.clientWidth - 2 * PAD) / width, (viewport.clientHeight - 2 * PAD) / height));
    const fit = () => {
      const k = fitScale();
      view = { k, x: (viewport.clientWidth - width * k) / 2, y: PAD };
      apply();
    };
    /** Puts a node at the middle of the viewport, near its top. @param {Placed} p @param {number} k */
    const centreOn = (p, k) => {
      view = { k, x: viewport.clientWidth / 2 - (p.x + BOX_W / 2) * k, y: Math.min(PAD, viewport.clientHeight / 3 - p.y * k) };
      apply();
    };
    /** Pans (and zooms in to a readable size) just enough to show a node whole. @param {Placed} p */
    const reveal = (p) => {
      if (view.k < DETAIL_ZOOM) return centreOn(p, READABLE_ZOOM);
      const left = view.x + p.x * view.k;
      const top = view.y + p.y * view.k;
      const right = left + BOX_W * view.k;
      const bottom = top + BOX_H * view.k;
      const dx = left < PAD ? PAD - left : right > viewport.clientWidth - PAD ? viewport.clientWidth - PAD - right : 0;
      const dy = top < PAD ? PAD - top : bottom > viewport.clientHeight - PAD ? viewport.clientHeight - PAD - bottom : 0;
      if (dx || dy) panBy(dx, dy);
    };
    /**
     * Where the plan first shows: all of it when that stays readable, else the selected node (or
     * the root) at a readable zoom; then the boxes near it are built. False while the viewport
     * has no size yet (a hidden panel).
     */
    const place = () => {
      if (!viewport.isConnected) return true; // replaced by a newer render
      if (!viewport.clientWidth) return false;
      if (view.k) apply();
      else if (fitScale() >= DETAIL_ZOOM) fit();
      else centreOn(current, READABLE_ZOOM);
      cull();
      return true;
    };
    unplaced.push(place);
    new ResizeObserver(() => {
      if (viewport.clientWidth) (view.k ? apply : place)();
    }).observe(viewport);

    // Drag to pan; a press that moved is not a click on the node under it.
    /** @type {{ id: number; x: number; y: number; vx: number; vy: number; moved: boolean } | undefined} */
    let drag;
    let swallowClick = false;
    viewport.addEventListener('pointerdown', (e) => {
      if (e.button === 0) drag = { id: e.pointerId, x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
    });
    viewport.addEventListener('pointermove', (e) => {
      if (!drag || drag.id !== e.pointerId) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) viewport.setPointerCapture(e.pointerId);
      drag.moved = true;
      viewport.classList.add('dragging');
      view = { ...view, x: drag.vx + dx, y: drag.vy + dy };
      apply();
    });
    /** @param {PointerEvent} e */
    const endDrag = (e) => {
      if (!drag || drag.id !== e.pointerId) return;
      swallowClick = drag.moved;
      drag = undefined;
      viewport.classList.remove('dragging');
    };
    viewport.addEventListener('pointerup', endDrag);
    viewport.addEventListener('pointercancel', endDrag);
    viewport.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = viewport.getBoundingClientRect();
        zoomTo(view.k * Math.pow(ZOOM_STEP, -Math.sign(e.deltaY)), e.clientX - r.left, e.clientY - r.top);
      },
      { passive: false },
    );

    /** The node a click or key event is about: its box, or (outlines only) the box under the pointer. @param {Event} e */
    const placedAt = (e) => {
      const g = e.target instanceof Element ? e.target.closest('.graph-node') : null;
      const key = g?.getAttribute('data-node');
      if (key) return byId.get(Number(key.slice(key.lastIndexOf('-') + 1)));
      if (!(e instanceof MouseEvent) || e.target === viewport) return undefined;
      const r = viewport.getBoundingClientRect();
      const x = (e.clientX - r.left - view.x) / view.k;
      const y = (e.clientY - r.top - view.y) / view.k;
      return placed.find((p) => x >= p.x && x <= p.x + BOX_W && y >= p.y && y <= p.y + BOX_H);
    };
    /** Roving focus: the focused node is the one Tab comes back to. @param {Placed} p */
    const focusOn = (p) => {
      built.get(current.n.id)?.setAttribute('tabindex', '-1');
      current = p;
      reveal(p);
      cull();
      const g = /** @type {SVGElement} */ (built.get(p.n.id));
      g.setAttribute('tabindex', '0');
      g.focus();
    };
    viewport.addEventListener('click', (e) => {
      const p = swallowClick ? undefined : placedAt(e);
      swallowClick = false;
      if (!p) return;
      focusOn(p);
      o.onSelect(p.n.id);
    });
    viewport.addEventListener('keydown', (e) => {
      const p = e.target === viewport ? undefined : placedAt(e);
      /** @type {Placed | undefined} */
      let to;
      if (e.key === '+' || e.key === '=') zoomTo(view.k * ZOOM_STEP);
      else if (e.key === '-' || e.key === '_') zoomTo(view.k / ZOOM_STEP);
      else if (e.key === '0') fit();
      else if (p && (e.key === 'Enter' || e.key === ' ')) o.onSelect(p.n.id);
      else if (p && e.key === 'ArrowUp') to = p.parent;
      else if (p && e.key === 'ArrowDown') to = p.n.children.length ? byId.get(p.n.children[0].id) : undefined;
      else if (p && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
        const siblings = p.parent ? p.parent.n.children : [];
        const at = siblings.indexOf(p.n) + (e.key === 'ArrowLeft' ? -1 : 1);
        to = siblings[at] ? byId.get(siblings[at].id) : undefined;
      } else if (!p && e.key.startsWith('Arrow')) {
        const step = e.shiftKey ? PAN_STEP * 4 : PAN_STEP;
        panBy(
          e.key === 'ArrowLeft' ? step : e.key === 'ArrowRight' ? -step : 0,
          e.key === 'ArrowUp' ? step : e.key === 'ArrowDown' ? -step : 0,
        );
      } else return;
      e.preventDefault();
      if (to) focusOn(to);
    });

    /** @param {string} label @param {string} text @param {() => void} action */
    const button = (label, text, action) => {
      const b = document.createElement('button');
      b.className = 'secondary small';
      b.title = label;
      b.setAttribute('aria-label', label);
      b.textContent = text;
      b.addEventListener('click', action);
      return b;
    };
    const hint = document.createElement('span');
    hint.className = 'muted graph-hint';
    hint.textContent = 'Drag or arrow keys to pan · wheel or +/− to zoom · box colour: own share · edge width: rows';
    const toolbar = document.createElement('div');
    toolbar.className = 'graph-toolbar';
    toolbar.append(
      button('Zoom out', '−', () => zoomTo(view.k / ZOOM_STEP)),
      button('Zoom in', '+', () => zoomTo(view.k * ZOOM_STEP)),
      button('Fit the whole plan', 'Fit', fit),
      hint,
    );
    const container = document.createElement('div');
    container.className = 'graph';
    container.append(toolbar, viewport);
    return container;
  }

  /** Places the graphs just added to the page (their viewports have a size now), so a render includes their boxes. */
  function placeAttached() {
    unplaced = unplaced.filter((place) => !place());
  }

  return { render, placeAttached };
})();
