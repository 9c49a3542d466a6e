/**
 * Designer scale benchmark: starts the e2e platform, seeds flows of 100 and 1,000 nodes, opens
 * each in Chromium and reports the load time, the server-side validation time and the frames per
 * second while panning. Prints one JSON object per size; the last line holds all of them.
 *
 *   pnpm --filter @waybill/designer build && node e2e/bench/designer-scale.bench.ts
 */
import { spawn } from 'node:child_process';

import { chromium } from '@playwright/test';

import { largeFlow } from '../fixtures/large-flow.ts';
import { openAndTime, panAndCountFrames } from '../fixtures/scale-probe.ts';

/** The browser's frame callback (the e2e project is typed for Node, not the DOM). */
type Frames = { requestAnimationFrame: (callback: (time: number) => void) => number };

const port = Number(process.env.BENCH_PORT ?? 3170);
const base = `http://127.0.0.1:${port}`;
const sizes = (process.env.BENCH_SIZES ?? '100,1000').split(',').map(Number);

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

async function trpc(path: string, input: unknown): Promise<void> {
  const response = await fetch(`${base}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
}

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
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, baseURL: base });
  for (const size of sizes) {
    const key = `bench-scale-${size}-${Date.now().toString(36)}`;
    await trpc('flows.create', { key, name: `Bench ${size}` });
    const definition = largeFlow(key, size);
    await trpc('flows.saveDraft', { key, definition });
    const validateStart = performance.now();
    await fetch(
      `${base}/trpc/flows.validate?input=${encodeURIComponent(JSON.stringify({ definition }))}`,
    );
    const validateMs = Math.round(performance.now() - validateStart);
    const loadMs = await openAndTime(page, key);
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
    const pan = await panAndCountFrames(page);
    const result = {
      nodes: size,
      loadMs,
      validateMs,
      idleFps,
      panFps: pan.fps,
      worstFrameMs: pan.worstFrameMs,
      panMs: pan.ms,
    };
    results.push(result);
    console.log(JSON.stringify(result));
  }
  await browser.close();
} finally {
  server.kill('SIGTERM');
}
console.log(JSON.stringify({ designer: results }));
