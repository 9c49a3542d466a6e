// docs/connectors.md shows code included from this folder: each `<!-- include: path#region -->`
// marker is followed by a ```ts block that must match that region of the file, so the guide's code
// is the code these tests run. (A region nested in another is shown there as `// … #name: shown below`.)
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '..', '..', '..', '..');
const guide = readFileSync(join(repoRoot, 'docs', 'connectors.md'), 'utf8');

interface Inclusion {
  path: string;
  region: string;
  shown: string;
}

function inclusions(markdown: string): Inclusion[] {
  const pattern = /<!-- include: (\S+)#(\S+) -->\n\n?```ts\n([\s\S]*?)\n```/g;
  return [...markdown.matchAll(pattern)].map(([, path = '', region = '', shown = '']) => ({
    path,
    region,
    shown,
  }));
}

function region(path: string, name: string): string {
  const out: string[] = [];
  let inside = false;
  let nested: string | undefined;
  for (const line of readFileSync(join(repoRoot, path), 'utf8').split('\n')) {
    const text = line.trim();
    if (text === `// #region ${name}`) {
      inside = true;
      continue;
    }
    if (text === `// #endregion ${name}`) break;
    if (!inside) continue;
    const start = /^\/\/ #region (\S+)$/.exec(text)?.[1];
    if (nested === undefined && start !== undefined) {
      nested = start;
      out.push(
        `${line.slice(0, line.length - line.trimStart().length)}// … #${start}: shown below`,
      );
      continue;
    }
    if (nested !== undefined) {
      if (text === `// #endregion ${nested}`) nested = undefined;
      continue;
    }
    out.push(line);
  }
  if (!inside) throw new Error(`${path} has no region "${name}"`);
  return out.join('\n');
}

/** Compares code modulo layout: Prettier may re-wrap a block once it is dedented in the guide. */
function tokens(code: string): string {
  return code.replace(/\s+/g, '').replace(/,([)\]}>])/g, '$1');
}

test('the guide includes code', () => {
  expect(inclusions(guide).length).toBeGreaterThanOrEqual(8);
});

test.each(inclusions(guide).map((i) => [`${i.path}#${i.region}`, i] as const))(
  'docs/connectors.md shows %s as it is',
  (_, inclusion) => {
    expect(tokens(inclusion.shown)).toBe(tokens(region(inclusion.path, inclusion.region)));
  },
);
