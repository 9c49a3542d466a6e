/**
 * Designer scale benchmark: starts the e2e platform, seeds flows of 100 and 1,000 nodes, opens
 * each in Chromium and reports the load time, the server-side validation time, and what panning
 * costs: frames per second, React renders per frame, main-thread milliseconds per frame and long
 * tasks, with the machine's load average (the figures mean little on a busy machine).
 *
 * Progress goes to stderr, one JSON object per size to stdout; the last line holds all of them.
 *
 *   pnpm --filter @waybill/designer build && node e2e/bench/designer-scale.bench.ts
 *
 * Environment: BENCH_SIZES (default 100,1000), BENCH_PANS (pans per size, default 3; the median
 * by frame rate is reported), BENCH_PORT (default E2E_PORT or 3170; the ERP simulator takes the
 * next port), BENCH_BY_NAME=1 (renders per component, readable with an unminified build),
 * BENCH_TRACE=<path stem> (a Chromium trace of the first pan per size, summarised per event),
 * WAYBILL_DESIGNER_DIR (the designer build to serve).
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

import { chromium, request as playwrightRequest } from '@playwright/test';
import type { APIRequestContext } from '@playwright/test';

import { E2E_PASSWORD, E2E_USER } from '../e2e-env.ts';

import { largeFlow } from '../fixtures/large-flow.ts';
import {
  countRenders,
  installRenderProbe,
  openAndTime,
  panAndCountFrames,
} from '../fixtures/scale-probe.ts';
import type { PanFigures } from '../fixtures/scale-probe.ts';
import { mainThreadSelfTime } from './trace-summary.ts';

/** The browser's frame callback (the e2e project is typed for Node, not the DOM). */
type Frames = { requestAnimationFrame: (callback: (time: number) => void) => number };

const port = Number(process.env.BENCH_PORT ?? process.env.E2E_PORT ?? 3170);
const base = `http://127.0.0.1:${port}`;
const sizes = (process.env.BENCH_SIZES ?? '100,1000').split(',').map(Number);
const pans = Math.max(1, Number(process.env.BENCH_PANS ?? 3));
const byName = process.env.BENCH_BY_NAME === '1';
const tracePath = process.env.BENCH_TRACE;

const progress = (line: string): void => {
  process.stderr.write(`[bench:designer] ${line}\n`);
};
const load = (): string =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

async function waitForHealth(): Promise<void> {
  for (let i = 0; i < 240; i += 1) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the platform did not start on ${base}`);
}

/** A tRPC call as the signed-in process owner; queries go by POST, as the designer sends them. */
async function trpc(api: APIRequestContext, path: string, input: unknown): Promise<unknown> {
  const response = await api.post(`/trpc/${path}`, { data: input });
  if (!response.ok()) throw new Error(`${path}: ${response.status()} ${await response.text()}`);
  return ((await response.json()) as { result: { data: unknown } }).result.data;
}

function median(runs: PanFigures[]): PanFigures {
  const sorted = [...runs].sort((a, b) => a.fps - b.fps);
  return sorted[Math.floor((sorted.length - 1) / 2)] as PanFigures;
}

progress(`${cpus().length} cores, load average ${load()}; platform on ${base}`);
const server = spawn(process.execPath, ['e2e/serve.ts'], {
  env: { ...process.env, E2E_PORT: String(port), E2E_ERP_PORT: String(port + 1) },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const results: Record<string, unknown>[] = [];
try {
  await waitForHealth();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const signIn = await playwrightRequest.newContext({ baseURL: base });
  const signedIn = await signIn.post('/auth/sign-in', {
    data: { username: E2E_USER, password: E2E_PASSWORD },
  });
  if (!signedIn.ok()) throw new Error(`sign-in: ${signedIn.status()} ${await signedIn.text()}`);
  const { csrfToken } = (await signedIn.json()) as { csrfToken: string };
  const storageState = await signIn.storageState();
  await signIn.dispose();
  const api = await playwrightRequest.newContext({
    baseURL: base,
    storageState,
    extraHTTPHeaders: { 'x-csrf-token': csrfToken },
  });
  const page = await browser.newPage({
    viewport: { width: 1440, height: 900 },
    baseURL: base,
    storageState,
  });
  await installRenderProbe(page, { byName });
  for (const size of sizes) {
    const key = `bench-scale-${size}-${Date.now().toString(36)}`;
    progress(`${size} nodes: seeding`);
    await trpc(api, 'flows.create', { key, name: `Bench ${size}` });
    const definition = largeFlow(key, size);
    await trpc(api, 'flows.saveDraft', { key, definition });
    const validateStart = performance.now();
    const problems = (await trpc(api, 'flows.validate', { definition })) as unknown[];
    const validateMs = Math.round(performance.now() - validateStart);
    if (problems.length > 0)
      throw new Error(`the ${size}-node flow has ${problems.length} problems`);
    progress(`${size} nodes: validated in ${validateMs} ms; opening`);
    const loadMs = await openAndTime(page, key);
    progress(`${size} nodes: drawn in ${loadMs} ms`);
    await page.waitForTimeout(500);
    // Frames per second with nothing happening: the page itself must not be busy.
    const idleFps = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const raf = (globalThis as unknown as Frames).requestAnimationFrame;
          let n = 0;
          const t0 = performance.now();
          const tick = (t: number): void => {
            n += 1;
            if (t - t0 < 3000) raf(tick);
            else resolve(Math.round((n / ((t - t0) / 1000)) * 10) / 10);
          };
          raf(tick);
        }),
    );
    progress(`${size} nodes: idle ${idleFps} fps`);
    // Selecting one node should re-render that card (and the panels), not every card on screen.
    const select = await countRenders(page, () => page.locator('.react-flow__node').nth(3).click());
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    progress(
      `${size} nodes: selecting a node: ${select.renders} renders (${select.nodeRenders} nodes) ` +
        `in ${select.commits} commits`,
    );
    const runs: PanFigures[] = [];
    for (let i = 1; i <= pans; i += 1) {
      const loadBefore = load();
      const tracing = tracePath !== undefined && i === 1;
      const traceFile = `${tracePath}-${size}.json`;
      if (tracing)
        await browser.startTracing(page, { path: traceFile, categories: ['devtools.timeline'] });
      const pan = await panAndCountFrames(page);
      if (tracing) {
        await browser.stopTracing();
        const spent = mainThreadSelfTime(traceFile)
          .map(([name, ms]) => `${name} ${ms}`)
          .join(', ');
        progress(`${size} nodes: pan 1 main thread, self ms: ${spent} (trace: ${traceFile})`);
      }
      runs.push(pan);
      progress(
        `${size} nodes: pan ${i}/${pans}: ${pan.fps} fps, ${pan.rendersPerFrame} renders ` +
          `(${pan.nodeRendersPerFrame} nodes) and ${pan.mainMsPerFrame} ms main thread ` +
          `(script ${pan.scriptMsPerFrame}, style ${pan.styleMsPerFrame}, layout ` +
          `${pan.layoutMsPerFrame}) per frame, worst frame ${pan.worstFrameMs} ms, ` +
          `${pan.longTasks} long tasks; load average ${loadBefore}`,
      );
      if (pan.byName) {
        const top = Object.entries(pan.byName)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 15)
          .map(([name, n]) => `${name} ${n}`)
          .join(', ');
        progress(`${size} nodes: pan ${i}: renders by component: ${top}`);
      }
      await page.waitForTimeout(300);
    }
    const pan = median(runs);
    const result = {
      nodes: size,
      loadMs,
      validateMs,
      idleFps,
      panFps: pan.fps,
      panFpsRuns: runs.map((r) => r.fps),
      rendersPerFrameRuns: runs.map((r) => r.rendersPerFrame),
      mainMsPerFrameRuns: runs.map((r) => r.mainMsPerFrame),
      worstFrameMs: pan.worstFrameMs,
      rendersPerFrame: pan.rendersPerFrame,
      nodeRendersPerFrame: pan.nodeRendersPerFrame,
      commitsPerFrame: pan.commitsPerFrame,
      selectRenders: select.renders,
      selectNodeRenders: select.nodeRenders,
      mainMsPerFrame: pan.mainMsPerFrame,
      scriptMsPerFrame: pan.scriptMsPerFrame,
      styleMsPerFrame: pan.styleMsPerFrame,
      layoutMsPerFrame: pan.layoutMsPerFrame,
      longTasks: pan.longTasks,
      panMs: pan.ms,
      loadAverage: load(),
    };
    results.push(result);
    console.log(JSON.stringify(result));
  }
  await api.dispose();
  await browser.close();
} finally {
  server.kill('SIGTERM');
}
console.log(JSON.stringify({ designer: results, cores: cpus().length }));
