// Times as the viewer reads them: the server sends ISO-8601 UTC ("2026-12-05T14:03:00Z") and the browser formats it
// in its own time zone and locale (Intl). Relative phrases are words of the interface, so they stay in its English,
// in date-fns' formatDistanceToNow wording as in the original. Plain functions, no imports: tests run them in Node.

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const FORMATS = {
  date: { dateStyle: "medium" },
  date_time: { dateStyle: "medium", timeStyle: "short" },
};
const FULL = { dateStyle: "medium", timeStyle: "long" }; // the tooltip: with seconds and the zone

function plural(count, unit) {
  return `${count} ${unit}${count === 1 ? "" : "s"} ago`;
}

// Always "… ago": "less than a minute ago", "3 minutes ago", "about 2 hours ago", "5 days ago", "over 1 year ago".
export function timeAgo(date, now) {
  const minutes = Math.max(0, now - date) / MINUTE_MS;
  if (minutes < 1) return "less than a minute ago";
  if (minutes < 45) return plural(Math.round(minutes), "minute");
  const hours = minutes / 60;
  if (hours < 24) return "about " + plural(Math.max(1, Math.round(hours)), "hour");
  const days = hours / 24;
  if (days < 30) return plural(Math.max(1, Math.round(days)), "day");
  const months = days / 30;
  if (months < 12) return (Math.round(months) <= 1 ? "about " : "") + plural(Math.max(1, Math.round(months)), "month");
  const years = months / 12;
  return (years < 1.25 ? "about " : "over ") + plural(Math.max(1, Math.floor(years)), "year");
}

// `format`: "date", "date_time", "ago" (always relative) or "recent" (relative for a day, then the date).
// `locale` and `timeZone` default to the browser's; "" for a missing or unreadable time.
export function formatTime(iso, format, { now = Date.now(), locale, timeZone } = {}) {
  const date = iso ? new Date(iso) : null;
  if (!date || Number.isNaN(date.getTime())) return "";
  if (format === "ago" || (format === "recent" && now - date < DAY_MS)) return timeAgo(date, now);
  const options = FORMATS[format] || FORMATS.date;
  return new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(date);
}

export function fullTime(iso, { locale, timeZone } = {}) {
  const date = iso ? new Date(iso) : null;
  if (!date || Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(locale, { ...FULL, timeZone }).format(date);
}

export function isRelative(format) {
  return format === "ago" || format === "recent";
}
