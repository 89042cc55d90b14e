// <LocalTime>: one time on a page, as a <time datetime="…Z"> element formatted in the browser (local_time.js).
// Used by resonance/ui/components/local_time.py; relative ones re-render on one shared timer.
import { useEffect, useState } from "react";
import { formatTime, fullTime, isRelative } from "./local_time.js";

const TICK_MS = 30_000;
const listeners = new Set();
let timer = null;

function useNow(relative) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!relative) return undefined;
    const listener = () => setNow(Date.now());
    listeners.add(listener);
    if (timer === null) timer = setInterval(() => listeners.forEach((l) => l()), TICK_MS);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) {
        clearInterval(timer);
        timer = null;
      }
    };
  }, [relative]);
  return now;
}

export function LocalTime({ datetime, format = "date_time", empty = "", className, id }) {
  const now = useNow(isRelative(format));
  if (!datetime) return <span className={className} id={id}>{empty}</span>;
  return (
    <time dateTime={datetime} title={fullTime(datetime)} className={className} id={id} data-format={format}>
      {formatTime(datetime, format, { now })}
    </time>
  );
}
