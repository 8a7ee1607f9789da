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
//
// Speed: ICU time-zone calls cost about a microsecond a row, so each row makes at most one
// (none for UTC): the zone's offset at `t`. The local time is then a plain TIMESTAMP
// (make_timestamp of t + offset) that strftime/date_trunc handle natively. The format pattern
// is rewritten to strftime's with replace() — constant-folded, as patterns are literals.

/** Java date-pattern tokens to strftime, longest first; z/Z are handled after strftime. */
const FORMAT_TOKENS: Array<[string, string]> = [
  ['yyyy', '%Y'],
  ['yy', '%y'],
  ['MMMM', '%B'],
  ['MMM', '%b'],
  ['MM', '%m'],
  ['dd', '%d'],
  ['HH', '%H'],
  ['hh', '%I'],
  ['mm', '%M'],
  ['ss', '%S'],
  ['SSS', '%g'],
  ['EEEE', '%A'],
  ['EEE', '%a'],
  ['a', '%p'],
];

/** SQL turning the Java pattern `f` into a strftime pattern; z and Z become chr(30), chr(31).
 *  Tokens go through placeholders so one token's code is never rewritten by the next. */
function javaToStrftime(f: string): string {
  let e = `replace(${f}, '%', '%%')`;
  FORMAT_TOKENS.forEach(([tok], i) => {
    e = `replace(${e}, '${tok}', chr(${i + 1}))`;
  });
  e = `replace(replace(${e}, 'z', chr(30)), 'Z', chr(31))`;
  FORMAT_TOKENS.forEach(([, code], i) => {
    e = `replace(${e}, chr(${i + 1}), '${code}')`;
  });
  return e;
}

const UTC_NAMES = `('UTC', 'utc', 'GMT', 'Etc/UTC', 'Z', 'Etc/GMT')`;

/** Offset of zone tz at UNIX time t, in seconds (one ICU call; none for UTC). */
const OFF = (t: string, tz: string) =>
  `(CASE WHEN ${tz} IN ${UTC_NAMES} THEN 0 ELSE epoch(timezone(${tz}, to_timestamp(${t})))::BIGINT - ${t}::BIGINT END)`;

/** Local wall-clock time of t in tz, as a plain TIMESTAMP. */
const LT = (t: string, tz: string) => `make_timestamp(((${t} + ${OFF(t, tz)}) * 1000000)::BIGINT)`;

/** '+0900' for an offset in seconds. */
const OFFSET_TEXT = (off: string) =>
  `(CASE WHEN ${off} < 0 THEN '-' ELSE '+' END || lpad((abs(${off}) // 3600)::VARCHAR, 2, '0') ||
     lpad(((abs(${off}) % 3600) // 60)::VARCHAR, 2, '0'))`;

const PARSE = (s: string, tz: string) => `(CASE
     WHEN ${s} IS NULL THEN NULL
     WHEN typeof(${s}) <> 'VARCHAR' THEN floor(${s}::DOUBLE)::BIGINT
     WHEN regexp_matches(trim(${s}::VARCHAR), '\\d\\s*([+-]\\d\\d:?\\d\\d|Z|UTC|GMT)$')
       THEN epoch(regexp_replace(trim(${s}::VARCHAR), '\\s+([+-]\\d\\d):?(\\d\\d)$', '\\1:\\2')::TIMESTAMPTZ)::BIGINT
     ELSE epoch(timezone(${tz}, trim(${s}::VARCHAR)::TIMESTAMP))::BIGINT END)`;

const RANGE = (t: string, s: string, e: string, tz: string) =>
  `((${s} IS NULL OR ${t} >= ${PARSE(s, tz)}) AND (${e} IS NULL OR ${t} < ${PARSE(e, tz)}))`;

// The z / Z replacements are guarded by the (constant) pattern, so their cost is paid only
// when the pattern asks for them.
const FORMAT = (t: string, f: string, tz: string) => {
  const base = `strftime(${LT(t, tz)}, ${javaToStrftime(f)})`;
  const withZone = `(CASE WHEN strpos(${f}, 'z') > 0 THEN replace(${base}, chr(30), ${tz}) ELSE ${base} END)`;
  return `(CASE WHEN strpos(${f}, 'Z') > 0 THEN replace(${withZone}, chr(31), ${OFFSET_TEXT(OFF(t, tz))})
     ELSE ${withZone} END)`;
};

const TRUNC_UNIT = (u: string) =>
  `(CASE replace(${u}, '!', '') WHEN 'y' THEN 'year' WHEN 'q' THEN 'quarter' WHEN 'M' THEN 'month'
     WHEN 'w' THEN 'week' WHEN 'd' THEN 'day' WHEN 'h' THEN 'hour' WHEN 'm' THEN 'minute' ELSE 'second' END)`;

const TIME_STRING = (t: string, u: string, tz: string) => {
  const tr = `date_trunc(${TRUNC_UNIT(u)}, ${LT(t, tz)})`;
  const short = (fmt: string) => `strftime(${tr}, '${fmt}')`;
  return `(CASE WHEN replace(${u}, '!', '') = ${u}
       THEN ${short('%Y-%m-%d %H:%M:%S')} || ${OFFSET_TEXT(OFF(t, tz))}
     ELSE CASE replace(${u}, '!', '') WHEN 'y' THEN ${short('%Y')} WHEN 'q' THEN ${short('%Y-%m')}
       WHEN 'M' THEN ${short('%Y-%m')} WHEN 'w' THEN ${short('%Y-%m-%d')} WHEN 'd' THEN ${short('%Y-%m-%d')}
       WHEN 'h' THEN ${short('%Y-%m-%d %H')} WHEN 'm' THEN ${short('%Y-%m-%d %H:%M')}
       ELSE ${short('%Y-%m-%d %H:%M:%S')} END END)`;
};

/** Start of the unit holding t, in tz, as UNIX seconds (the local start mapped back by ICU,
 *  so a unit that starts before a DST change gets that moment's offset). */
const TRUNC = (u: string, t: string, tz: string) =>
  `(CASE WHEN ${tz} IN ${UTC_NAMES} THEN epoch(date_trunc(${u}, ${LT(t, tz)}))::BIGINT
     ELSE epoch(timezone(${tz}, date_trunc(${u}, ${LT(t, tz)})))::BIGINT END)`;

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
