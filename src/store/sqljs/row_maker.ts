/**
 * Row objects from a statement's column values, built by a function made once per statement for
 * its column names: an object literal of fixed shape. Assigning each column by name in a loop gave
 * V8 one generic keyed store per column, ~3 µs per 27-column message row in sql.js (a fifth of a
 * list's read); the literal builds the same object (same keys, same order, same values) in a
 * fraction of it. Pure.
 */
import type { SqlRow, SqlValue } from "./statements.ts";

/** The object `{ [names[i]]: values[i] }`, as the loop would assign it: a later equal name overwrites an earlier one's value in its place. */
export function rowMaker(names: readonly string[]): (values: SqlValue[]) => SqlRow {
  // "__proto__" in a literal sets the prototype where the loop's assignment would go through the setter: keep the loop then.
  if (names.includes("__proto__")) return (values) => assignRow(names, values);
  // The names are only ever quoted as JSON string literals: no column name can be code.
  const fields = names.map((n, i) => `${JSON.stringify(n)}: v[${i}]`).join(", ");
  return new Function("v", `"use strict"; return { ${fields} };`) as (values: SqlValue[]) => SqlRow;
}

/** The same object by assignment (the reference `rowMaker` matches). */
export function assignRow(names: readonly string[], values: SqlValue[]): SqlRow {
  const row: SqlRow = {};
  for (let i = 0; i < names.length; i++) row[names[i]!] = values[i]!;
  return row;
}
