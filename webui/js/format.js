// Formatting of API values for display (times, sizes, ages) and back (datetime inputs).
// Everything returns plain strings; callers put them in the page as text.

function two(n) {
  return String(n).padStart(2, "0");
}

// Epoch seconds → "2026-11-30 09:42:57" in the browser's time zone; "" for 0/null.
export function fmtTime(epoch) {
  if (!epoch) return "";
  const d = new Date(epoch * 1000);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = Number(n), u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v >= 10 ? 0 : 1)} ${units[u]}`;
}

export function fmtAge(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

export function fmtScore(score) {
  if (score === null || score === undefined || score === "") return "";
  const n = Number(score);
  return Number.isFinite(n) ? n.toFixed(1) : String(score);
}

// <input type="datetime-local"> value (local time) → epoch seconds, or "" when empty.
export function datetimeToEpoch(value) {
  if (!value) return "";
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? Math.floor(t / 1000) : "";
}

export function list(values) {
  return Array.isArray(values) ? values.join(", ") : (values ?? "");
}
