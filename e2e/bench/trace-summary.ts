/**
 * Where a renderer's main thread spent its time in a Chromium trace (`devtools.timeline`): self
 * time per event name, largest first. Used by the designer benchmark with BENCH_TRACE.
 */
import { readFileSync } from 'node:fs';

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  /** Thread (CPU) time: unlike `dur`, it does not grow while other processes hold the CPU. */
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

/**
 * Self CPU milliseconds per event name on the renderer main thread(s) of the trace at `path`,
 * largest first, after the total.
 */
export function mainThreadSelfTime(path: string, top = 12): [string, number][] {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as
    { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const mainThreads = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const complete = events
    .filter((e) => e.ph === 'X' && e.dur !== undefined && mainThreads.has(`${e.pid}:${e.tid}`))
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const self = new Map<string, number>();
  const stack: { end: number; name: string; key: string }[] = [];
  for (const event of complete) {
    const key = `${event.pid}:${event.tid}`;
    const dur = event.tdur ?? event.dur ?? 0;
    while (stack.length > 0) {
      const open = stack[stack.length - 1];
      if (open && open.key === key && open.end > event.ts) break;
      stack.pop();
    }
    const parent = stack[stack.length - 1];
    if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - dur);
    self.set(event.name, (self.get(event.name) ?? 0) + dur);
    stack.push({ end: event.ts + (event.dur ?? 0), name: event.name, key });
  }
  const total = [...self.values()].reduce((sum, us) => sum + us, 0);
  // Each frame the main thread produces is layerized once.
  const frames = complete.filter((e) => e.name === 'Layerize').length;
  const ranked = [...self.entries()]
    .map(([name, us]): [string, number] => [name, Math.round(us / 100) / 10])
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  return [
    ['total', Math.round(total / 100) / 10],
    ['frames', frames],
    ['total per frame', Math.round(total / Math.max(frames, 1) / 100) / 10],
    ...ranked,
  ];
}
