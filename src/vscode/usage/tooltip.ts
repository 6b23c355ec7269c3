/**
 * The Markdown of an index's tooltip in the Indexes view. Everything the catalog returns (schema,
 * table, index and constraint names, badge reasons that quote them, the definition) is text, never
 * Markdown: a name like `x](command:…)`, `<img …>` or `$(icon)` must show as typed. Kept free of
 * 'vscode' so it can be tested on its own; the view renders it untrusted, without HTML or icons.
 */
import { formatBytes, formatCount } from '../../core/format';
import { AnalyzedIndex } from '../../core/usage/types';

/** Text as Markdown that renders exactly that text: every ASCII punctuation escaped, line breaks and controls as spaces. */
export function escapeMarkdown(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/[!-/:-@[-`{-~]/g, '\\$&');
}

/** A fenced code block whose fence no backtick run inside `code` can close. */
export function codeBlock(code: string, language: string): string {
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${code.replace(/\r\n?|[\u2028\u2029]/g, '\n')}\n${fence}\n`;
}

export function indexTooltipMarkdown(i: AnalyzedIndex, statsResetAt: string | undefined): string {
  const e = escapeMarkdown;
  const backs = i.constraint ? `, backs ${e(i.constraint.kind)} ${e(i.constraint.name)}` : '';
  const parts = [`**${e(`${i.schema}.${i.name}`)}** on ${e(i.table)} (${e(i.method)}${i.unique ? ', unique' : ''}${backs})\n\n`];
  parts.push(
    i.definition
      ? codeBlock(i.definition, 'sql')
      : '_Definition not read: another session holds an exclusive lock on this table or index. Refresh later._\n\n',
  );
  parts.push(
    `\n${formatCount(i.scans)} scans, ${formatCount(i.tuplesRead)} tuples read ${statsResetAt ? `since ${e(statsResetAt)}` : 'since statistics began'}; ${formatBytes(i.bytes)}\n\n`,
  );
  for (const b of i.badges) parts.push(`- **${e(b.kind)}**: ${e(b.reason)}\n`);
  if (i.droppable) parts.push('\nCandidate for dropping: review it, then "Generate Drop Migration".');
  else if (i.unique || i.constraint) parts.push('\nEnforces uniqueness or backs a constraint: never proposed for dropping.');
  return parts.join('');
}
