import assert from 'node:assert/strict';
import { AnalyzedIndex } from '../../../../src/core/usage/types';
import { escapeMarkdown, indexTooltipMarkdown } from '../../../../src/vscode/usage/tooltip';

/** Catalog names that would be Markdown (a command link, HTML, a theme icon, emphasis, a heading) if not escaped. */
const HOSTILE = {
  schema: 'evil$(alert)',
  table: '[click](command:pgtuner.applyMigrations?%7B%22confirmDatabase%22%3A%22shop%22%7D)',
  name: '<img src=x onerror=alert(1)>**bold**\n# heading',
  constraint: 'c_[x](https://example.invalid)',
};

const index = (over: Partial<AnalyzedIndex> = {}): AnalyzedIndex =>
  ({
    schema: HOSTILE.schema,
    table: HOSTILE.table,
    name: HOSTILE.name,
    method: 'btree',
    unique: true,
    constraint: { kind: 'unique', name: HOSTILE.constraint },
    definition: 'CREATE UNIQUE INDEX "x```\n[y](command:z)" ON t USING btree (a)',
    scans: 0,
    tuplesRead: 0,
    bytes: 8192,
    badges: [{ kind: 'duplicate', reason: `same columns as ${HOSTILE.table}` }],
    droppable: false,
    ...over,
  }) as unknown as AnalyzedIndex;

/** Outside the code block, every [ ] < > $ # ` (links, HTML, icons, headings, code) is escaped, and names add no line. */
function assertNoLiveMarkdown(outside: string): void {
  for (let i = 0; i < outside.length; i++) {
    if ('[]<>$#`'.includes(outside[i]))
      assert.equal(outside[i - 1], '\\', `unescaped ${outside[i]} in ${JSON.stringify(outside.slice(Math.max(0, i - 30), i + 30))}`);
  }
}

const outsideCode = (md: string) => md.replace(/^(`{3,})sql\n[\s\S]*?\n\1\n/m, '');

describe('Indexes view tooltip (untrusted Markdown)', () => {
  it('escapes every catalog name and badge reason', () => {
    const md = indexTooltipMarkdown(index(), '2026-11-30T09:00:00Z');
    const outside = outsideCode(md);
    assert.ok(!outside.includes('](command:'), md);
    assert.ok(!/(^|[^\\])<img/.test(outside), md);
    assert.ok(!/(^|[^\\])\$\(alert\)/.test(outside), md);
    assert.ok(!/^# heading/m.test(outside), md);
    assert.ok(md.includes(escapeMarkdown(HOSTILE.table)), 'the name is shown, escaped');
    assertNoLiveMarkdown(outside);
  });

  it('keeps the definition in a code block no backtick run can close', () => {
    const md = indexTooltipMarkdown(index(), undefined);
    const open = md.indexOf('````sql\n');
    assert.ok(open >= 0, md);
    const close = md.indexOf('\n````\n', open);
    assert.ok(md.slice(open, close).includes('"x```\n[y](command:z)"'));
  });

  it('escapeMarkdown: punctuation escaped, line breaks and controls become spaces', () => {
    assert.equal(escapeMarkdown('a_b*c[d](e)\r\n<f>$g\u2028h'), 'a\\_b\\*c\\[d\\]\\(e\\) \\<f\\>\\$g h');
  });
});
