import assert from 'node:assert/strict';
import { DEFAULT_HEALTH_OPTIONS, resolveHealthOptions } from '../../../../src/core/health/options';
import { HealthReport } from '../../../../src/core/health/types';
import { estimateBtreeBloat, estimateTableBloat } from '../../../../src/core/usage/bloat';
import { isHealthReport, renderHealthReport } from '../../../../src/vscode/health/reportHtml';

describe('Health thresholds', () => {
  it('takes defaults for what is not given and keeps what is', () => {
    const o = resolveHealthOptions({ longQueryWarningSeconds: 30, sequenceWarningPercent: undefined });
    assert.equal(o.longQueryWarningSeconds, 30);
    assert.equal(o.sequenceWarningPercent, DEFAULT_HEALTH_OPTIONS.sequenceWarningPercent);
  });

  it('names every bad threshold in one message', () => {
    assert.throws(
      () => resolveHealthOptions({ nope: 1, deadTuplesMinRows: -1, cacheHitWarningPercent: '99' }),
      (err: Error) =>
        /unknown threshold "nope"/.test(err.message) &&
        /"deadTuplesMinRows" must be a number ≥ 0/.test(err.message) &&
        /"cacheHitWarningPercent"/.test(err.message),
    );
  });
});

describe('Bloat estimates', () => {
  it('finds a freshly built btree close to its expected size and a mostly empty one bloated', () => {
    // 100 000 int4 keys: ~ 16 bytes per leaf tuple + 4 line pointer, 90% fill → ~ 276 leaf pages.
    const expected = estimateBtreeBloat({ bytes: 0, rows: 100_000, storedWidth: 4, blockSize: 8192 }).expectedBytes;
    const fresh = estimateBtreeBloat({ bytes: expected * 1.05, rows: 100_000, storedWidth: 4, blockSize: 8192 });
    assert.ok(fresh.wastedPercent < 10, `fresh: ${fresh.wastedPercent}`);
    const emptied = estimateBtreeBloat({ bytes: expected, rows: 10_000, storedWidth: 4, blockSize: 8192 });
    assert.ok(emptied.wastedPercent > 85, `emptied: ${emptied.wastedPercent}`);
    assert.equal(estimateBtreeBloat({ bytes: 8192, rows: 0, storedWidth: 4, blockSize: 8192 }).wastedBytes, 0, 'never below two pages');
  });

  it('accounts for the table fillfactor', () => {
    const full = estimateTableBloat({ bytes: 10e6, rows: 100_000, rowWidth: 40, blockSize: 8192 });
    const half = estimateTableBloat({ bytes: 10e6, rows: 100_000, rowWidth: 40, fillfactor: 50, blockSize: 8192 });
    assert.ok(half.expectedBytes > full.expectedBytes * 1.9);
  });
});

describe('Health report HTML', () => {
  const report: HealthReport = {
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 420,
    server: { version: '15.4', database: 'shop', user: 'app' },
    counts: { ok: 1, warning: 0, critical: 1, skipped: 0, error: 0 },
    results: [
      {
        id: 'ok-one',
        title: 'Fine',
        category: 'schema',
        status: 'ok',
        figure: 'all good',
        threshold: '',
        advice: '',
        details: [],
        durationMs: 1,
      },
      {
        id: 'bad-one',
        title: 'Bad',
        category: 'activity',
        status: 'critical',
        figure: '1 session',
        threshold: 'warning ≥ 1m',
        advice: 'End it.',
        details: [{ pid: 7, query: '<script>alert(1)</script>' }],
        durationMs: 2,
      },
    ],
  };

  it('puts critical findings first and escapes what the database returns', () => {
    const html = renderHealthReport(report, { cspSource: 'vscode-resource:', nonce: 'abc' });
    assert.match(html, /Critical \(1\)[\s\S]*OK \(1\)/);
    assert.ok(!html.includes('<script>alert(1)'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.match(html, /default-src 'none'/);
    assert.match(html, /2 checks in 0\.4s/);
  });

  it('embeds the report for the webview state so that no database text can close the script', () => {
    const hostile = { ...report, server: { ...report.server, database: '</script><script>alert(2)</script>' } };
    const html = renderHealthReport(hostile, { cspSource: 'vscode-resource:', nonce: 'abc' });
    assert.ok(!html.includes('</script><script>alert(2)'));
    assert.match(html, /script-src 'nonce-abc'/);
    const embedded = /<script type="application\/json" id="report">(.*?)<\/script>/s.exec(html)?.[1];
    assert.deepEqual(JSON.parse(embedded!), hostile, 'the state is the report, character for character');
    assert.ok(isHealthReport(JSON.parse(embedded!)));
  });

  it('takes a revived state only when it is a report', () => {
    assert.ok(isHealthReport(report));
    const broken: unknown[] = [
      undefined,
      'report',
      { ...report, durationMs: '<b>1</b>' },
      { ...report, counts: { ...report.counts, critical: '1' } },
      { ...report, server: { ...report.server, user: 7 } },
      { ...report, results: [{ ...report.results[0], status: 'fine' }] },
      { ...report, results: [{ ...report.results[1], details: [{ nested: { html: '<i>' } }] }] },
    ];
    for (const state of broken) assert.equal(isHealthReport(state), false, JSON.stringify(state));
  });
});
