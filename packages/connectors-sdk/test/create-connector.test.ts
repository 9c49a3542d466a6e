// `pnpm create-connector` scaffolds a connector that type-checks and passes its contract test.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { createConnector } from '../../../scripts/create-connector.ts';

const packageDir = resolve(import.meta.dirname, '..');
const repoRoot = resolve(packageDir, '..', '..');
// Inside the package, so that zod and vitest resolve from its node_modules as they would in src/.
const workDir = mkdtempSync(join(packageDir, '.scaffold-test-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

test('the scaffolded connector type-checks and passes the connector contract', async () => {
  const files = await createConnector({
    name: 'acme-erp',
    connectorsDir: join(workDir, 'connectors'),
    sdkSrc: join(packageDir, 'src'),
    id: 'acme.erp',
  });
  expect(files.map((f) => f.slice(workDir.length))).toEqual([
    '/connectors/acme-erp/acme-erp.connector.ts',
    '/connectors/acme-erp/acme-erp.contract.test.ts',
  ]);

  writeFileSync(
    join(workDir, 'tsconfig.json'),
    JSON.stringify({ extends: '../tsconfig.json', include: ['connectors'] }),
  );
  const tsc = spawnSync(
    process.execPath,
    [
      join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(workDir, 'tsconfig.json'),
    ],
    { encoding: 'utf8' },
  );
  expect(tsc.error).toBeUndefined();
  // Only the generated files are judged: the rest of the tree is checked by its own typecheck.
  const ownErrors = tsc.stdout.split('\n').filter((line) => line.includes('.scaffold-test-'));
  expect(ownErrors).toEqual([]);

  const vitest = spawnSync(
    process.execPath,
    [
      join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--root',
      workDir,
      '--reporter',
      'dot',
    ],
    { encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1' } },
  );
  expect(vitest.stdout + vitest.stderr).toMatch(/Tests\s+13 passed/);
  expect(vitest.status).toBe(0);
}, 120_000);

test('refuses a name that is not kebab-case and a folder that exists', async () => {
  await expect(createConnector({ name: 'Acme_ERP', connectorsDir: workDir })).rejects.toThrow(
    'must be kebab-case',
  );
  await expect(
    createConnector({ name: 'acme-erp', connectorsDir: join(workDir, 'connectors') }),
  ).rejects.toThrow('already exists');
  expect(existsSync(join(workDir, 'connectors', 'acme-erp'))).toBe(true);
});
