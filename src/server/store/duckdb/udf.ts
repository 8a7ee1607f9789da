// Treasure Data's time UDFs as DuckDB macros (created in schema main at every start, so a new
// version replaces the old). Macros are expanded at bind time: with constant bounds,
// td_time_range becomes `time >= C1 AND time < C2` and DuckDB prunes row groups by zone map.
//
//   td_time_range(time, from, to [, tz])   from <= time < to; a NULL bound is open; bounds are
//                                           UNIX seconds or strings 'yyyy-MM-dd[ HH:mm:ss][ offset]'
//                                           read in tz (default UTC) unless they carry an offset
//   td_time_parse(str [, tz])              -> UNIX seconds
//   td_time_format(time, fmt [, tz])       Java-style fmt: yyyy yy MMMM MMM MM dd HH hh mm ss SSS a
//                                           EEEE EEE z Z (quoted literals are not supported)
//   td_time_string(time, unit [, tz])      unit y q M w d h m s: 'yyyy-MM-dd HH:mm:ss+ZZZZ' truncated
//                                           to the unit; with '!' (e.g. 'd!') only the significant part
//   td_date_trunc(unit, time [, tz])       -> UNIX seconds of the start of the unit
//   td_scheduled_time()                    -> now, UNIX seconds
//
// Time zones are ICU names (Asia/Tokyo, America/Los_Angeles, UTC) and the abbreviations ICU
// knows (JST; PST means America/Los_Angeles, with DST, as in TD).

// td_time_format cannot hand a computed pattern to strftime (DuckDB wants it constant when
// the macro is created), so the pattern's tokens become placeholders (control characters) and
// each placeholder is replaced by its date part, computed from the local time `lt`.
const FORMAT_TOKENS: Array<[string, (lt: string) => string]> = [
  ['yyyy', (lt) => `lpad(year(${lt})::VARCHAR, 4, '0')`],
  ['yy', (lt) => `lpad((year(${lt}) % 100)::VARCHAR, 2, '0')`],
  ['MMMM', (lt) => `monthname(${lt})`],
  ['MMM', (lt) => `left(monthname(${lt}), 3)`],
  ['MM', (lt) => `lpad(month(${lt})::VARCHAR, 2, '0')`],
  ['dd', (lt) => `lpad(day(${lt})::VARCHAR, 2, '0')`],
  ['HH', (lt) => `lpad(hour(${lt})::VARCHAR, 2, '0')`],
  ['hh', (lt) => `lpad(((hour(${lt}) + 11) % 12 + 1)::VARCHAR, 2, '0')`],
  ['mm', (lt) => `lpad(minute(${lt})::VARCHAR, 2, '0')`],
  ['ss', (lt) => `lpad(second(${lt})::VARCHAR, 2, '0')`],
  ['SSS', (lt) => `lpad((millisecond(${lt}) % 1000)::VARCHAR, 3, '0')`],
  ['EEEE', (lt) => `dayname(${lt})`],
  ['EEE', (lt) => `left(dayname(${lt}), 3)`],
  ['a', (lt) => `(CASE WHEN hour(${lt}) < 12 THEN 'AM' ELSE 'PM' END)`],
];

/** '+0900' style offset of tz at UNIX time t (no subquery: macros are inlined per row). */
const OFFSET = (t: string, tz: string) => {
  const o = `(epoch(timezone(${tz}, to_timestamp(${t})))::BIGINT - ${t})`;
  return `(CASE WHEN ${o} < 0 THEN '-' ELSE '+' END || lpad((abs(${o}) // 3600)::VARCHAR, 2, '0') ||
     lpad(((abs(${o}) % 3600) // 60)::VARCHAR, 2, '0'))`;
};

const LOCAL = (t: string, tz: string) => `timezone(${tz}, to_timestamp(${t}))`;

const TRUNC_UNIT = (u: string) =>
  `(CASE replace(${u}, '!', '') WHEN 'y' THEN 'year' WHEN 'q' THEN 'quarter' WHEN 'M' THEN 'month'
     WHEN 'w' THEN 'week' WHEN 'd' THEN 'day' WHEN 'h' THEN 'hour' WHEN 'm' THEN 'minute' ELSE 'second' END)`;

const PARSE = (s: string, tz: string) => `(CASE
     WHEN ${s} IS NULL THEN NULL
     WHEN typeof(${s}) <> 'VARCHAR' THEN floor(${s}::DOUBLE)::BIGINT
     WHEN regexp_matches(trim(${s}::VARCHAR), '\\d\\s*([+-]\\d\\d:?\\d\\d|Z|UTC|GMT)$')
       THEN epoch(regexp_replace(trim(${s}::VARCHAR), '\\s+([+-]\\d\\d):?(\\d\\d)$', '\\1:\\2')::TIMESTAMPTZ)::BIGINT
     ELSE epoch(timezone(${tz}, trim(${s}::VARCHAR)::TIMESTAMP))::BIGINT END)`;

const FORMAT = (t: string, f: string, tz: string) => {
  const lt = LOCAL(t, tz);
  let e = f;
  FORMAT_TOKENS.forEach(([tok], i) => {
    e = `replace(${e}, '${tok}', chr(${i + 1}))`;
  });
  e = `replace(replace(${e}, 'z', chr(30)), 'Z', chr(31))`;
  FORMAT_TOKENS.forEach(([, part], i) => {
    e = `replace(${e}, chr(${i + 1}), ${part(lt)})`;
  });
  return `replace(replace(${e}, chr(30), ${tz}), chr(31), ${OFFSET(t, tz)})`;
};

const TIME_STRING = (t: string, u: string, tz: string) => {
  const tr = `date_trunc(${TRUNC_UNIT(u)}, ${LOCAL(t, tz)})`;
  const short = (fmt: string) => `strftime(${tr}, '${fmt}')`;
  return `(CASE replace(${u}, '!', '') = ${u}
     WHEN true THEN ${short('%Y-%m-%d %H:%M:%S')} || ${OFFSET(t, tz)}
     ELSE CASE replace(${u}, '!', '') WHEN 'y' THEN ${short('%Y')} WHEN 'q' THEN ${short('%Y-%m')}
       WHEN 'M' THEN ${short('%Y-%m')} WHEN 'w' THEN ${short('%Y-%m-%d')} WHEN 'd' THEN ${short('%Y-%m-%d')}
       WHEN 'h' THEN ${short('%Y-%m-%d %H')} WHEN 'm' THEN ${short('%Y-%m-%d %H:%M')}
       ELSE ${short('%Y-%m-%d %H:%M:%S')} END END)`;
};

const TRUNC = (u: string, t: string, tz: string) =>
  `epoch(timezone(${tz}, date_trunc(${u}, ${LOCAL(t, tz)})))::BIGINT`;

const RANGE = (t: string, s: string, e: string, tz: string) =>
  `((${s} IS NULL OR ${t} >= ${PARSE(s, tz)}) AND (${e} IS NULL OR ${t} < ${PARSE(e, tz)}))`;

export const UDF_SQL: string[] = [
  `CREATE OR REPLACE MACRO main.td_time_parse(s) AS ${PARSE('s', "'UTC'")}, (s, tz) AS ${PARSE('s', 'tz')}`,
  `CREATE OR REPLACE MACRO main.td_time_range(t, s, e) AS ${RANGE('t', 's', 'e', "'UTC'")},
     (t, s, e, tz) AS ${RANGE('t', 's', 'e', 'tz')}`,
  `CREATE OR REPLACE MACRO main.td_time_format(t, f) AS ${FORMAT('t', 'f', "'UTC'")},
     (t, f, tz) AS ${FORMAT('t', 'f', 'tz')}`,
  `CREATE OR REPLACE MACRO main.td_time_string(t, u) AS ${TIME_STRING('t', 'u', "'UTC'")},
     (t, u, tz) AS ${TIME_STRING('t', 'u', 'tz')}`,
  `CREATE OR REPLACE MACRO main.td_date_trunc(u, t) AS ${TRUNC('u', 't', "'UTC'")},
     (u, t, tz) AS ${TRUNC('u', 't', 'tz')}`,
  `CREATE OR REPLACE MACRO main.td_scheduled_time() AS epoch(now())::BIGINT`,
];
