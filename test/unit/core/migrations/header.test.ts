import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Suggestion } from '../../../../src/core/advisor/types';
import { generateBlankMigration, generateIndexMigration } from '../../../../src/core/migrations/generate';
import { splitDbmate } from '../../../../src/core/migrations/files';
import { tempDirs } from '../../../support/tempDirs';

/**
 * Header comments quote the explained query (in the reason). No text there may become live SQL:
 * PostgreSQL ends a -- comment at \n and at \r, editors and other tools at \u2028, \u2029, \v, \f, \x85.
 */
const BREAKS = ['\r', '\r\n', '\n', '\u2028', '\u2029', '\v', '\f', '\u0085'];

const suggestion = (reason: string): Suggestion => ({
  table: 'public.docs',
  method: 'btree',
  kinds: ['btree'],
  name: 'docs_title_idx',
  ddl: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS docs_title_idx ON public.docs (title);',
  down: 'DROP INDEX CONCURRENTLY IF EXISTS public.docs_title_idx;',
  requires: [],
  reason,
  evidence: { costBefore: 20, costAfter: 8, msBefore: null, msAfter: null, sizeBytes: null, verifiedBy: 'hypopg' },
});

/** Every line as any reader may split it: each is a comment, blank, or one of the expected statements. */
function assertOnlyComments(text: string, statements: string[]): void {
  for (const line of text.split(/\r\n|[\n\r\v\f\u0085\u2028\u2029]/)) {
    if (line === '' || statements.includes(line)) continue;
    assert.match(line, /^-- /, `a line that is not a comment: ${JSON.stringify(line)}`);
  }
  assert.doesNotMatch(
    text.replace(/\n/g, ''),
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/,
    'control characters in the file',
  );
}

describe('migrations/header comments', () => {
  const tempDir = tempDirs();
  const folder = (files: Record<string, string> = {}) => {
    const dir = tempDir('pgtuner-hdr-');
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  };

  for (const br of BREAKS) {
    it(`a ${[...br].map((c) => `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(' ')} in the quoted query cannot put live SQL into the file`, async () => {
      const reason = `Seq Scan on docs for title = 'x${br}DROP TABLE docs; --'`;
      const { upPath, downPath } = await generateIndexMigration({ directory: folder(), suggestion: suggestion(reason) });
      const up = fs.readFileSync(upPath, 'utf8');
      assertOnlyComments(up, ['CREATE INDEX CONCURRENTLY IF NOT EXISTS docs_title_idx ON public.docs (title);']);
      assert.match(up, /^-- DROP TABLE docs; --'$/m, 'the quoted text is kept, as a comment line of its own');
      assertOnlyComments(fs.readFileSync(downPath as string, 'utf8'), ['DROP INDEX CONCURRENTLY IF EXISTS public.docs_title_idx;']);
    });
  }

  it('strips other control characters (NUL, ESC, bidi overrides) and keeps the text readable', async () => {
    const { upPath } = await generateIndexMigration({
      directory: folder(),
      suggestion: suggestion("title = 'a\u0000b\u001b[2Jc\u202ed\u2066e\tf'"),
    });
    const up = fs.readFileSync(upPath, 'utf8');
    assertOnlyComments(up, ['CREATE INDEX CONCURRENTLY IF NOT EXISTS docs_title_idx ON public.docs (title);']);
    assert.match(up, /^-- Why: title = 'ab\[2Jcde f'$/m);
  });

  it('a migration name cannot add a line, nor a dbmate section marker', async () => {
    const dir = folder({ '20260101090000_first.sql': '-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n' });
    const { upPath } = await generateBlankMigration({
      directory: dir,
      name: 'rename\rmigrate:down\rDROP TABLE docs;',
      now: new Date('2026-11-23T18:30:05Z'),
    });
    const text = fs.readFileSync(upPath, 'utf8');
    assertOnlyComments(text, []);
    const sections = splitDbmate(text);
    assert.ok(sections?.down);
    assert.doesNotMatch(sections.up.sql + sections.down.sql, /^(?!--).*DROP TABLE/m);
    assert.equal(text.match(/^--\s*migrate:(up|down)/gm)?.length, 2, text);
  });
});
