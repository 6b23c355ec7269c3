import { parse } from 'pgsql-ast-parser';

/**
 * The columns an UPDATE sets (as the catalog names them), [] for other statements, undefined when
 * the parser cannot read the statement (MERGE, …): the caller then cannot tell.
 */
export function setColumns(statement: string): string[] | undefined {
  try {
    const [parsed] = parse(statement);
    return parsed?.type === 'update' ? parsed.sets.map((s) => s.column.name) : [];
  } catch {
    return undefined;
  }
}
