// DuckDB result values and types, as TD clients expect them.
//
// Values: BIGINT/HUGEINT become msgpack integers (a JS number when safe), DOUBLE/FLOAT stay
// floats even when integral (Ruby prints 2.0, not 2), DECIMAL becomes a double, lists/arrays
// become arrays, structs/maps become maps, BLOB becomes bin, and anything else (dates,
// timestamps, intervals, uuids ...) its DuckDB text form.
//
// Types (`hive_result_schema`): Presto's lower-case names — bigint, double, varchar,
// array(varchar), map(varchar, bigint), row(a bigint) ...; for hive jobs the Hive spellings
// (string, int, array<string>, ...).

import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api';

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

export function wireValue(v: DuckDBValue): unknown {
  if (v === null) return null;
  switch (typeof v) {
    case 'bigint':
      if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
      return v >= INT64_MIN && v <= UINT64_MAX ? v : v.toString();
    case 'number':
    case 'string':
    case 'boolean':
      return v;
  }
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) return v.items.map(wireValue);
  if (v instanceof DuckDBStructValue) {
    const o: Record<string, unknown> = {};
    for (const k in v.entries) o[k] = wireValue(v.entries[k]!);
    return o;
  }
  if (v instanceof DuckDBMapValue) {
    const o: Record<string, unknown> = {};
    for (const e of v.entries) o[String(wireValue(e.key))] = wireValue(e.value);
    return o;
  }
  if (v instanceof DuckDBBlobValue) return Buffer.from(v.bytes);
  if (v instanceof DuckDBDecimalValue) return v.toDouble();
  return String(v);
}

/** True for columns whose values must be written as msgpack floats. */
export function isFloatType(t: DuckDBType): boolean {
  return (
    t.typeId === DuckDBTypeId.DOUBLE || t.typeId === DuckDBTypeId.FLOAT || t.typeId === DuckDBTypeId.DECIMAL
  );
}

export function prestoType(t: DuckDBType): string {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'boolean';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.UTINYINT:
      return 'tinyint';
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.USMALLINT:
      return 'smallint';
    case DuckDBTypeId.INTEGER:
      return 'integer';
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return 'bigint';
    case DuckDBTypeId.FLOAT:
      return 'real';
    case DuckDBTypeId.DOUBLE:
      return 'double';
    case DuckDBTypeId.DECIMAL:
      return `decimal(${t.width},${t.scale})`;
    case DuckDBTypeId.VARCHAR:
      return t.alias === 'JSON' ? 'json' : 'varchar';
    case DuckDBTypeId.BLOB:
      return 'varbinary';
    case DuckDBTypeId.DATE:
      return 'date';
    case DuckDBTypeId.TIME:
      return 'time';
    case DuckDBTypeId.TIME_TZ:
      return 'time with time zone';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return 'timestamp';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamp with time zone';
    case DuckDBTypeId.INTERVAL:
      return 'interval day to second';
    case DuckDBTypeId.UUID:
      return 'uuid';
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return `array(${prestoType(t.valueType)})`;
    case DuckDBTypeId.MAP:
      return `map(${prestoType(t.keyType)}, ${prestoType(t.valueType)})`;
    case DuckDBTypeId.STRUCT:
      return `row(${t.entryNames.map((n, i) => `${n} ${prestoType(t.entryTypes[i]!)}`).join(', ')})`;
    default:
      return 'varchar';
  }
}

export function hiveType(t: DuckDBType): string {
  switch (t.typeId) {
    case DuckDBTypeId.INTEGER:
      return 'int';
    case DuckDBTypeId.FLOAT:
      return 'float';
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.UUID:
    case DuckDBTypeId.INTERVAL:
      return 'string';
    case DuckDBTypeId.BLOB:
      return 'binary';
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return `array<${hiveType(t.valueType)}>`;
    case DuckDBTypeId.MAP:
      return `map<${hiveType(t.keyType)},${hiveType(t.valueType)}>`;
    case DuckDBTypeId.STRUCT:
      return `struct<${t.entryNames.map((n, i) => `${n}:${hiveType(t.entryTypes[i]!)}`).join(',')}>`;
    default:
      return prestoType(t);
  }
}
