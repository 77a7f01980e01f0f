// One clock for every thread: performance.now() has a per-thread origin, so times that
// cross threads (SRCU's last grace-period end, FQS deadlines) use timeOrigin + now().

/** Microseconds since the epoch, with sub-microsecond resolution. */
export function nowUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}
