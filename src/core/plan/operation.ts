/**
 * A plan node's operation as EXPLAIN's text format names it (explain.c): "Finalize GroupAggregate",
 * "Parallel Seq Scan", "Hash Left Join", "HashSetOp Except", "Insert" — where the JSON's Node Type
 * says only "Aggregate", "Seq Scan", "Hash Join", "SetOp", "ModifyTable". Without the index and the
 * target relation, which follow it in the text line.
 */
export function operationName(n: Record<string, unknown>): string {
  const type = String(n['Node Type']);
  let name = type;
  if (type === 'Aggregate') {
    name = { Sorted: 'GroupAggregate', Hashed: 'HashAggregate', Mixed: 'MixedAggregate' }[String(n['Strategy'])] ?? 'Aggregate';
    if (n['Partial Mode'] === 'Partial' || n['Partial Mode'] === 'Finalize') name = `${n['Partial Mode']} ${name}`;
  } else if (type === 'SetOp') {
    name = `${n['Strategy'] === 'Hashed' ? 'HashSetOp' : 'SetOp'} ${n['Command']}`;
  } else if (type === 'ModifyTable') {
    name = String(n['Operation']);
  } else if (type === 'Foreign Scan' && typeof n['Operation'] === 'string' && n['Operation'] !== 'Select') {
    name = `Foreign ${n['Operation']}`;
  } else if (type === 'Custom Scan') {
    name = `Custom Scan (${n['Custom Plan Provider']})`;
  } else if (type === 'Hash Join' || type === 'Merge Join' || type === 'Nested Loop') {
    const join = String(n['Join Type'] ?? 'Inner');
    const base = type.replace(' Join', '');
    name = join !== 'Inner' ? `${base} ${join} Join` : type;
  }
  if (n['Async Capable'] === true) name = `Async ${name}`;
  if (n['Parallel Aware'] === true) name = `Parallel ${name}`;
  return name;
}
