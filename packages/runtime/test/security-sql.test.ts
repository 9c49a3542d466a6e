/**
 * SQL is built only through Kysely: its query builder or its `sql` tag, which sends every
 * interpolated value as a bind parameter. This scans the sources of every package for the ways
 * around that — `sql.raw`/`sql.lit`, text handed to a driver's `query`/`exec`, and SQL assembled
 * from a template or `+` outside the `sql` tag — and fails on any that is not a reviewed
 * exception below.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

type FindingKind = 'sql-raw' | 'driver-text' | 'string-sql';

interface Finding {
  file: string;
  line: number;
  kind: FindingKind;
  /** The offending expression's source text, whitespace collapsed. */
  text: string;
}

/** The shape of an SQL statement at the start of a text (a UI label like "Select …" is not). */
const SQL_START =
  /^\s*(select\b[\s\S]*\bfrom\b|insert\s+into\b|update\s+\S+\s+set\b|delete\s+from\b|(create|drop|alter)\s+(table|index|database|schema|view|function|trigger|type|extension|role)\b|truncate\b|grant\b|listen\b|notify\b|with\s+\w+\s+as\s*\()/i;

function literalText(node: ts.Expression): string | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  // The literal parts, each substitution standing as a placeholder.
  if (ts.isTemplateExpression(node)) {
    return node.head.text + node.templateSpans.map((span) => `$\{}${span.literal.text}`).join('');
  }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    return `${literalText(node.left) ?? '${}'}${literalText(node.right) ?? '${}'}`;
  }
  if (ts.isParenthesizedExpression(node)) return literalText(node.expression);
  return null;
}

/** A `+` chain with at least one operand that is not a literal. */
function isBuiltString(node: ts.Expression): boolean {
  if (ts.isTemplateExpression(node)) return true;
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const literal = (side: ts.Expression) =>
      ts.isStringLiteral(side) || ts.isNoSubstitutionTemplateLiteral(side);
    return !literal(node.left) || !literal(node.right) || isBuiltString(node.left);
  }
  return false;
}

function isSqlTag(tag: ts.Expression): boolean {
  return ts.isIdentifier(tag) && tag.text === 'sql';
}

/** The findings in one source text (`file` is only used to label them). */
export function findStringBuiltSql(file: string, source: string): Finding[] {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const findings: Finding[] = [];
  const add = (node: ts.Node, kind: FindingKind) => {
    const { line } = sourceFile.getLineAndCharacterOfPosition(node.getStart());
    findings.push({ file, line: line + 1, kind, text: node.getText().replace(/\s+/g, ' ') });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const { expression: receiver, name } = node.expression;
      const first = node.arguments[0];
      if (ts.isIdentifier(receiver) && receiver.text === 'sql' && /^(raw|lit)$/.test(name.text)) {
        add(node, 'sql-raw');
      } else if ((name.text === 'query' || name.text === 'exec') && first) {
        // pg's client.query(text) and PGlite's query/exec(text); tRPC's .query(resolver) and
        // RegExp#exec(string) take no SQL text.
        const text = literalText(first);
        if (text !== null && SQL_START.test(text)) add(node, 'driver-text');
      }
    }
    if (
      (ts.isTemplateExpression(node) ||
        (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken)) &&
      isBuiltString(node) &&
      !(
        ts.isBinaryExpression(node.parent) &&
        node.parent.operatorToken.kind === ts.SyntaxKind.PlusToken
      )
    ) {
      const tagged = ts.isTaggedTemplateExpression(node.parent) && isSqlTag(node.parent.tag);
      const text = literalText(node);
      if (!tagged && text !== null && SQL_START.test(text)) add(node, 'string-sql');
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return findings;
}

interface Exception {
  /** Path from the repository root; a trailing `/` matches every file under it. */
  file: string;
  kind: FindingKind;
  /** A piece of the offending expression's text. */
  contains: string;
  reason: string;
}

const exceptions: Exception[] = [
  {
    file: 'packages/runtime/src/db/migrations/',
    kind: 'sql-raw',
    contains: 'sql.raw(statement)',
    reason:
      'migrations run their fixed DDL, written as constant statements in the same file; no input reaches them',
  },
  {
    file: 'packages/runtime/src/db/migrations/2026112450_inbox.ts',
    kind: 'string-sql',
    contains: 'ALTER TABLE tasks DROP COLUMN IF EXISTS ${column}',
    reason: 'the down migration drops a constant list of column names written in the file',
  },
  {
    file: 'packages/runtime/src/db/connect.ts',
    kind: 'driver-text',
    contains: 'LISTEN ${pg.escapeIdentifier(channel)}',
    reason:
      'LISTEN takes no bind parameters; the channel (a constant of the runtime) is quoted with pg.escapeIdentifier',
  },
  {
    file: 'packages/runtime/src/db/connect.ts',
    kind: 'string-sql',
    contains: 'LISTEN ${pg.escapeIdentifier(channel)}',
    reason: 'the same LISTEN statement, its identifier quoted with pg.escapeIdentifier',
  },
  {
    file: 'packages/runtime/src/testing.ts',
    kind: 'string-sql',
    contains: 'CREATE DATABASE ${name}',
    reason:
      'CREATE DATABASE takes no bind parameters; the name is generated by the test helper (waybill_t_ and random hex)',
  },
  {
    file: 'packages/runtime/src/testing.ts',
    kind: 'string-sql',
    contains: 'DROP DATABASE IF EXISTS ${name} WITH (FORCE)',
    reason: 'drops the database the same helper created, under its generated name',
  },
];

const root = resolve(import.meta.dirname, '../../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !/\.(test|spec)\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

function matches(exception: Exception, finding: Finding): boolean {
  const inFile = exception.file.endsWith('/')
    ? finding.file.startsWith(exception.file)
    : finding.file === exception.file;
  return inFile && exception.kind === finding.kind && finding.text.includes(exception.contains);
}

describe('SQL is built only through Kysely', () => {
  const packagesDir = join(root, 'packages');
  const findings = readdirSync(packagesDir).flatMap((pkg) => {
    const src = join(packagesDir, pkg, 'src');
    let files: string[];
    try {
      files = sourceFiles(src);
    } catch {
      return [];
    }
    return files.flatMap((path) =>
      findStringBuiltSql(relative(root, path), readFileSync(path, 'utf8')),
    );
  });

  it('no package source builds SQL from strings, except the reviewed cases', () => {
    const unexplained = findings.filter((finding) => !exceptions.some((e) => matches(e, finding)));
    expect(
      unexplained.map((f) => `${f.file}:${f.line} ${f.kind}: ${f.text}`),
      'string-built SQL: use the query builder or the sql tag (values become bind parameters)',
    ).toEqual([]);
  });

  it('every exception still matches something (none is left stale)', () => {
    const stale = exceptions.filter((e) => !findings.some((finding) => matches(e, finding)));
    expect(stale.map((e) => `${e.file} ${e.kind} ${e.contains}`)).toEqual([]);
  });
});

describe('the checker', () => {
  const sample = `
    import { sql } from 'kysely';
    export async function find(db, client, pglite, id: string, status: string) {
      await sql\`select * from instances where id = \${id}\`.execute(db);
      await sql<{ n: number }>\`select count(*) as n from tasks where status = \${status}\`.execute(db);
      await db.selectFrom('instances').where('id', '=', id).execute();
      await client.query(\`select * from instances where id = '\${id}'\`);
      await client.query('delete from tasks where id = ' + id);
      await pglite.exec('truncate table tasks');
      await sql.raw(\`update tasks set status = '\${status}'\`).execute(db);
      await sql\`select \${sql.lit(status)}\`.execute(db);
      const text = \`SELECT * FROM users WHERE name = '\${id}'\`;
      const other = 'insert into audit values (' + id + ')';
      router.query(({ ctx }) => ctx.db);
      /^a(b)$/.exec(\`a\${id}\`);
      const message = \`Flow \${id} was updated\`;
      const label = \`Select \${id} (\${status})\`;
      return [text, other, message, label];
    }
  `;
  const found = findStringBuiltSql('sample.ts', sample);

  it('flags SQL text handed to a driver, sql.raw and sql.lit, and SQL assembled from input', () => {
    expect(found.map((f) => [f.line, f.kind])).toEqual([
      [7, 'driver-text'],
      [7, 'string-sql'],
      [8, 'driver-text'],
      [8, 'string-sql'],
      [9, 'driver-text'],
      [10, 'sql-raw'],
      [10, 'string-sql'],
      [11, 'sql-raw'],
      [12, 'string-sql'],
      [13, 'string-sql'],
    ]);
  });

  it('leaves the sql tag, the query builder, tRPC resolvers, RegExp#exec, messages and labels alone', () => {
    const lines = new Set(found.map((f) => f.line));
    for (const line of [4, 5, 6, 14, 15, 16, 17]) expect(lines.has(line)).toBe(false);
  });

  it('an added string-built query with input fails the scan even next to the reviewed cases', () => {
    const added = findStringBuiltSql(
      'packages/runtime/src/db/migrations/2026112499_new.ts',
      'await sql.raw(`delete from tasks where id = ${input}`).execute(db);',
    );
    expect(added).toHaveLength(2);
    expect(added.filter((f) => !exceptions.some((e) => matches(e, f)))).toHaveLength(2);
  });
});
