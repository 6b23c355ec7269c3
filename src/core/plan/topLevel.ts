/**
 * Reading EXPLAIN's expression text at its top level: outside quotes ('…', "…") and outside
 * parentheses and brackets. Shared by the plan reader (key lists) and the advisor's plan shape
 * (conditions, operators).
 */

/** Each character outside quotes with the bracket depth after it (a closing bracket reports the depth it returns to). */
function* depths(text: string): Generator<[index: number, depth: number]> {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      continue;
    }
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    yield [i, depth];
  }
}

/** "a, f(b, c), d" split on ", " → ["a", "f(b, c)", "d"]: separators inside brackets or quotes stay. Parts trimmed, empty ones dropped. */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const [i, depth] of depths(text)) {
    if (i < start || depth !== 0 || !text.startsWith(separator, i)) continue;
    parts.push(text.slice(start, i).trim());
    start = i + separator.length;
  }
  parts.push(text.slice(start).trim());
  return parts.filter(Boolean);
}

/** The first top-level position where one of `tokens` starts after a space and is followed by one. */
export function topLevelToken(text: string, tokens: readonly string[]): { index: number; token: string } | undefined {
  for (const [i, depth] of depths(text)) {
    if (depth !== 0 || text[i - 1] !== ' ') continue;
    const token = tokens.find((t) => text.startsWith(`${t} `, i));
    if (token) return { index: i, token };
  }
  return undefined;
}

/** Index of the parenthesis that closes the one at 0 (-1 when none does). */
export function closingParen(text: string): number {
  for (const [i, depth] of depths(text)) if (text[i] === ')' && depth === 0) return i;
  return -1;
}
