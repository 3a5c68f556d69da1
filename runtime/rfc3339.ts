// RFC 3339 §5.6 date-time, checked as a real instant: a calendar date that exists (no 2021-02-30),
// hours 00-23 (no T24:00:00), and a leap second (:60) only where one can be, at 23:59 UTC.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Why `value` is not an RFC 3339 date-time, or undefined when it is one. */
export function rfc3339Problem(value: string): string | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return "must be an RFC 3339 date-time, e.g. 2026-11-24T10:00:00Z (no spaces, T between date and time, Z or an offset)";
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12) return `has no month ${m[2]}`;
  if (day < 1 || day > daysInMonth(year, month)) return `is not a calendar date: ${m[1]}-${m[2]} has no day ${m[3]}`;
  if (hour > 23) return "has an hour above 23 (RFC 3339 has no 24:00)";
  if (minute > 59) return "has a minute above 59";
  const offsetMinutes = m[7] ? (m[7] === "-" ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) : 0;
  if (m[7] && (Number(m[8]) > 23 || Number(m[9]) > 59)) return "has an offset outside -23:59..+23:59";
  if (second > 60) return "has a second above 60";
  if (second === 60) {
    const utcMinuteOfDay = (((hour * 60 + minute - offsetMinutes) % 1440) + 1440) % 1440;
    if (utcMinuteOfDay !== 1439) return "has a leap second (:60) where none can be: only at 23:59:60 UTC";
  }
  return undefined;
}
