/**
 * Runs every check Waybill has, in order, with progress and a summary:
 * typecheck → lint → unit and integration tests (Vitest) → browser tests (Playwright) → dependency
 * audit (skipped, not failed, when the registry's audit endpoint cannot be reached).
 *
 * Uses the real PostgreSQL given by DATABASE_URL (a fresh database per suite), else embedded PGlite.
 * Every step runs even when an earlier one failed, so one run shows every problem; the exit code is
 * non-zero when any step failed.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

interface Step {
  name: string;
  command: string[];
  env?: Record<string, string>;
  /** Reads the step's test counts from the report it wrote. */
  counts?: () => { passed: number; failed: number; skipped: number } | null;
  /** Runs the step itself instead of `command`: its exit code, and a note for the summary. */
  custom?: () => Promise<{ code: number; note?: string }>;
}

const root = join(import.meta.dirname, '..');
const reports = join(root, 'e2e', '.output', 'reports');
mkdirSync(reports, { recursive: true });
const vitestReport = join(reports, 'vitest.json');
const playwrightReport = join(reports, 'playwright.json');

const steps: Step[] = [
  { name: 'typecheck', command: ['pnpm', '-r', '--parallel', 'typecheck'] },
  { name: 'lint', command: ['pnpm', 'exec', 'eslint', '--max-warnings', '0', '.'] },
  { name: 'format', command: ['pnpm', 'exec', 'prettier', '--check', '--log-level', 'warn', '.'] },
  {
    name: 'unit + integration (vitest)',
    command: [
      'pnpm',
      'exec',
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${vitestReport}`,
    ],
    counts: () => {
      const r = readJson(vitestReport) as {
        numPassedTests: number;
        numFailedTests: number;
        numPendingTests: number;
        numTodoTests: number;
      } | null;
      return (
        r && {
          passed: r.numPassedTests,
          failed: r.numFailedTests,
          skipped: r.numPendingTests + r.numTodoTests,
        }
      );
    },
  },
  { name: 'designer build', command: ['pnpm', '--filter', '@waybill/designer', 'build'] },
  {
    name: 'browser (playwright)',
    command: ['pnpm', 'exec', 'playwright', 'test', '-c', 'e2e/playwright.config.ts'],
    env: { PLAYWRIGHT_JSON_OUTPUT_FILE: playwrightReport },
    counts: () => {
      const r = readJson(playwrightReport) as {
        stats: { expected: number; unexpected: number; flaky: number; skipped: number };
      } | null;
      return (
        r && {
          passed: r.stats.expected + r.stats.flaky,
          failed: r.stats.unexpected,
          skipped: r.stats.skipped,
        }
      );
    },
  },
  { name: 'dependency audit', command: ['pnpm', 'audit', '--prod', '--json'], custom: audit },
];

/**
 * High or critical advisories reviewed and accepted, by GitHub advisory id, each with the reason
 * (docs/security.md). Anything else at those levels fails the audit.
 */
const acceptedAdvisories: Record<string, string> = {};

/** Network failures and registries without the audit endpoint: the step is skipped, not failed. */
const AUDIT_UNREACHABLE =
  /ERR_PNPM_AUDIT_BAD_RESPONSE|ERR_PNPM_AUDIT_ENDPOINT_NOT_EXISTS|ERR_PNPM_FETCH|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up/;

interface AuditReport {
  advisories?: Record<
    string,
    { module_name: string; severity: string; github_advisory_id?: string; title: string }
  >;
  metadata?: { vulnerabilities?: Record<string, number> };
}

/** `pnpm audit --prod`: fails on an unaccepted high or critical advisory of a production dependency. */
async function audit(): Promise<{ code: number; note?: string }> {
  const output = await new Promise<string | null>((resolve) => {
    const child = spawn('pnpm', ['audit', '--prod', '--json'], { cwd: root });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('error', () => resolve(null));
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal ? null : text);
    });
  });
  if (output === null || AUDIT_UNREACHABLE.test(output)) {
    const note = 'skipped: audit endpoint unreachable';
    console.log(note);
    return { code: 0, note };
  }
  let report: AuditReport;
  try {
    report = JSON.parse(output) as AuditReport;
  } catch {
    console.log(output);
    return { code: 1, note: 'pnpm audit gave no JSON report' };
  }
  const serious = Object.values(report.advisories ?? {}).filter(
    (a) =>
      (a.severity === 'high' || a.severity === 'critical') &&
      !(a.github_advisory_id && a.github_advisory_id in acceptedAdvisories),
  );
  for (const a of serious)
    console.log(
      `  ${a.severity} ${a.module_name}: ${a.title} (${a.github_advisory_id ?? 'no id'})`,
    );
  const counts = report.metadata?.vulnerabilities ?? {};
  const note = Object.entries(counts)
    .map(([level, n]) => `${level} ${n}`)
    .join(', ');
  console.log(`advisories: ${note || 'none'}`);
  return {
    code: serious.length ? 1 : 0,
    note: serious.length ? `${serious.length} high or critical` : note,
  };
}

function readJson(path: string): unknown {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

function run(step: Step): Promise<number> {
  return new Promise((resolve) => {
    const [cmd, ...args] = step.command;
    const child = spawn(cmd!, args, {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...step.env },
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const only = process.argv.slice(2);
const selected = only.length ? steps.filter((s) => only.some((o) => s.name.startsWith(o))) : steps;
const results: { name: string; ok: boolean; seconds: number; note?: string | undefined }[] = [];
let passed = 0;
let failed = 0;
let skipped = 0;

console.log(
  `Waybill checks on ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'embedded PGlite'}\n`,
);
for (const [i, step] of selected.entries()) {
  console.log(`\n━━ [${i + 1}/${selected.length}] ${step.name} ━━`);
  const started = performance.now();
  const outcome = step.custom ? await step.custom() : { code: await run(step) };
  const code = outcome.code;
  const seconds = (performance.now() - started) / 1000;
  const counts = step.counts?.();
  if (counts) {
    passed += counts.passed;
    failed += counts.failed;
    skipped += counts.skipped;
  }
  const ok = code === 0;
  if (!ok && !counts?.failed) failed += 1; // a step that failed without a test report still counts
  results.push({ name: step.name, ok, seconds, note: outcome.note });
  console.log(`━━ ${ok ? '✔' : '✘'} ${step.name} (${seconds.toFixed(1)} s)`);
}

console.log('\nSummary');
for (const r of results)
  console.log(
    `  ${r.ok ? '✔' : '✘'} ${r.name.padEnd(32)} ${r.seconds.toFixed(1).padStart(7)} s${r.note ? `  (${r.note})` : ''}`,
  );
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
