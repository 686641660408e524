/**
 * Column types as the classifier compares them: whether `ALTER COLUMN ... TYPE` from one type to
 * another widens (every value fits) or narrows (values are lost, rounded or rejected).
 */
import type { TypeName } from 'libpg-query';

export interface ColumnType {
  /** The parser's canonical name, e.g. `int4`, `varchar`, `numeric`, `timestamptz`, `text`. */
  readonly name: string;
  /** Type modifiers: a length, a precision and scale, a fractional-seconds precision. */
  readonly mods: readonly number[];
  readonly array: boolean;
}

/** How a type change treats existing values. */
export type TypeChange = 'same' | 'widening' | 'narrowing' | 'conversion';

// The serial pseudo-types are integers with a default; the parser leaves them as written.
const aliases: Readonly<Record<string, string>> = {
  serial: 'int4', serial4: 'int4', bigserial: 'int8', serial8: 'int8', smallserial: 'int2', serial2: 'int2', decimal: 'numeric',
};

export function columnTypeOf(typeName: TypeName): ColumnType {
  const names = (typeName.names ?? []).map((n) => ('String' in n ? (n.String.sval ?? '') : ''));
  const raw = (names[names.length - 1] ?? 'unknown').toLowerCase();
  const mods = (typeName.typmods ?? []).flatMap((m) => ('A_Const' in m && m.A_Const.ival ? [m.A_Const.ival.ival ?? 0] : []));
  return { name: aliases[raw] ?? raw, mods, array: (typeName.arrayBounds ?? []).length > 0 };
}

// The names people write, for the parser's canonical ones.
const displayNames: Readonly<Record<string, string>> = {
  int2: 'smallint', int4: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision', bpchar: 'char', bool: 'boolean',
};

/** The type as a person writes it, e.g. `varchar(10)`, `bigint`, `text[]`. */
export function formatColumnType(type: ColumnType): string {
  return `${displayNames[type.name] ?? type.name}${type.mods.length > 0 ? `(${type.mods.join(',')})` : ''}${type.array ? '[]' : ''}`;
}

export function isSerial(typeName: TypeName): boolean {
  const last = typeName.names?.[typeName.names.length - 1];
  const name = last && 'String' in last ? (last.String.sval ?? '') : '';
  return name.toLowerCase() in aliases && name.toLowerCase() !== 'decimal';
}

const integerRank: Readonly<Record<string, number>> = { int2: 1, int4: 2, int8: 3 };
const integerDigits: Readonly<Record<string, number>> = { int2: 5, int4: 10, int8: 19 };
// Integers up to this many bits survive a float of each size exactly.
const floatExactBits: Readonly<Record<string, number>> = { float4: 24, float8: 53 };
const integerBits: Readonly<Record<string, number>> = { int2: 16, int4: 32, int8: 64 };
const textTypes = new Set(['text', 'varchar', 'bpchar', 'citext']);
const bitTypes = new Set(['bit', 'varbit']);
const timeTypes = new Set(['timestamp', 'timestamptz', 'time', 'timetz']);

/** A length limit (text, bit strings), or Infinity when the type has none. */
function lengthOf(type: ColumnType): number {
  return type.mods[0] ?? Infinity;
}

/** Precision and scale of a numeric; unconstrained numeric has both unbounded. */
function numericShape(type: ColumnType): { integerDigits: number; scale: number } {
  const precision = type.mods[0];
  if (precision === undefined) return { integerDigits: Infinity, scale: Infinity };
  const scale = type.mods[1] ?? 0;
  return { integerDigits: precision - scale, scale };
}

const widerIf = (wider: boolean): TypeChange => (wider ? 'widening' : 'narrowing');

/** Compares an existing column type with the target of `ALTER COLUMN ... TYPE`. */
export function compareColumnTypes(from: ColumnType, to: ColumnType): TypeChange {
  if (from.array !== to.array) return 'conversion';
  if (from.name === to.name && from.mods.join(',') === to.mods.join(',')) return 'same';
  if (textTypes.has(to.name)) return textTypes.has(from.name) || bitTypes.has(from.name) ? widerIf(lengthOf(to) >= lengthOf(from)) : widerIf(lengthOf(to) === Infinity);
  if (bitTypes.has(from.name) && bitTypes.has(to.name)) return widerIf(lengthOf(to) >= lengthOf(from));
  const fromInt = integerRank[from.name];
  const toInt = integerRank[to.name];
  if (fromInt !== undefined && toInt !== undefined) return widerIf(toInt >= fromInt);
  if (toInt !== undefined && (from.name === 'numeric' || from.name in floatExactBits)) return 'narrowing';
  if (to.name === 'numeric') {
    const target = numericShape(to);
    if (fromInt !== undefined) return widerIf(target.integerDigits >= integerDigits[from.name]!);
    if (from.name === 'numeric') {
      const source = numericShape(from);
      return widerIf(target.integerDigits >= source.integerDigits && target.scale >= source.scale);
    }
    if (from.name in floatExactBits) return widerIf(target.integerDigits === Infinity);
  }
  if (to.name in floatExactBits) {
    if (fromInt !== undefined) return widerIf(integerBits[from.name]! <= floatExactBits[to.name]!);
    if (from.name in floatExactBits) return widerIf(floatExactBits[to.name]! >= floatExactBits[from.name]!);
    if (from.name === 'numeric') return 'narrowing';
  }
  if (timeTypes.has(from.name) && to.name === 'date') return 'narrowing';
  if (from.name === to.name && timeTypes.has(to.name)) return widerIf((to.mods[0] ?? 6) >= (from.mods[0] ?? 6));
  return 'conversion';
}

/**
 * Without knowing the column's current type, whether the target could be a narrowing: it carries
 * a limit (a length, a precision) or is the smaller member of its family. Fail safe: such a change
 * is treated as narrowing until the classifier can see the column's current type.
 */
export function mayNarrow(to: ColumnType): boolean {
  if (textTypes.has(to.name) || bitTypes.has(to.name)) return lengthOf(to) !== Infinity;
  if (to.name === 'numeric') return to.mods.length > 0;
  if (timeTypes.has(to.name)) return to.mods.length > 0 && (to.mods[0] ?? 6) < 6;
  return to.name === 'int2' || to.name === 'int4' || to.name === 'float4' || to.name === 'date';
}
