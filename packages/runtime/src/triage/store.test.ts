/**
 * Triage in the database: people's decisions and resolved exceptions become examples, trained
 * models are stored as versions with one active, and `waybill triage train|evaluate` reports
 * on a held-out split. Runs on PGlite, and on Postgres with DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jsonb } from '../db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../testing.ts';
import { generateTriageExamples } from './generate.ts';
import { trainClassifier } from './model.ts';
import {
  collectResolvedExceptions,
  importTriageExamples,
  listTriageModels,
  loadClassifier,
  loadTriageExamples,
  recordTriageLabel,
  saveTriageModel,
} from './store.ts';
import { runTriageCommand } from './triage.command.ts';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

async function run(args: string[]): Promise<{ out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  await runTriageCommand(args, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    db: () => Promise.resolve(t.db),
    actor: 'test',
  });
  return { out: out.join('\n'), err: err.join('\n') };
}

describe('triage store', () => {
  test('no model yet: loadClassifier gives null', async () => {
    expect(await loadClassifier(t.db)).toBeNull();
  });

  test("a person's decision is kept once as a training example", async () => {
    const label = {
      text: 'Carrier says delivered, customer says it never arrived',
      features: { carrier: 'ODFL', podRequired: true },
      category: 'missingPod',
      decidedBy: 'lee.logistics',
      sourceRef: 'task:review-1',
      predicted: { category: 'customerDispute', confidence: 0.51, modelVersion: 'triage-1' },
    };
    expect((await recordTriageLabel(t.db, label)).recorded).toBe(true);
    expect((await recordTriageLabel(t.db, label)).recorded).toBe(false);
    const rows = await t.db.selectFrom('triage_examples').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      category: 'missingPod',
      source: 'review',
      decided_by: 'lee.logistics',
      predicted_category: 'customerDispute',
      model_version: 'triage-1',
      features: { carrier: 'ODFL', podRequired: true },
    });
  });

  test('resolved exceptions become examples, open ones do not, each once', async () => {
    await t.db
      .insertInto('flows')
      .values({
        key: 'triage-src',
        name: 'Source',
        description: null,
        draft: null,
        draft_updated_at: null,
      })
      .execute();
    await t.db
      .insertInto('flow_versions')
      .values({
        key: 'triage-src',
        version: 1,
        definition: jsonb({}),
        checksum: 'x',
        note: null,
        published_by: 'test',
      })
      .execute();
    const instance = await t.db
      .insertInto('instances')
      .values({
        flow_key: 'triage-src',
        flow_version: 1,
        correlation_key: 'SO-1',
        status: 'completed',
        snapshot: jsonb({}),
        current_nodes: jsonb([]),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const exception = (key: string, status: 'open' | 'resolved', details: unknown) => ({
      instance_id: instance.id,
      node_id: 'raise',
      exception_key: key,
      category: 'freightCharge',
      owner_role: 'transportation',
      severity: 'medium',
      status,
      details: jsonb(details),
    });
    await t.db
      .insertInto('exceptions')
      .values([
        exception('a', 'resolved', {
          message: 'Carrier billed a liftgate fee not quoted',
          amount: 85,
        }),
        exception('b', 'open', { message: 'Freight not rated yet' }),
      ])
      .execute();
    expect(await collectResolvedExceptions(t.db)).toBe(1);
    expect(await collectResolvedExceptions(t.db)).toBe(0);
    const examples = await loadTriageExamples(t.db);
    expect(examples.find((e) => e.category === 'freightCharge')).toMatchObject({
      text: 'Carrier billed a liftgate fee not quoted',
      features: { amount: 85 },
    });
  });

  test('models are numbered versions; the newest saved one is active unless told otherwise', async () => {
    const examples = generateTriageExamples({ count: 600, seed: 3 });
    const first = await saveTriageModel(t.db, trainClassifier(examples, { epochs: 2 }), {
      trainedBy: 'test',
    });
    const second = await saveTriageModel(t.db, trainClassifier(examples, { epochs: 2 }), {
      trainedBy: 'test',
      activate: false,
    });
    expect([first.modelVersion, second.modelVersion]).toEqual(['triage-1', 'triage-2']);
    const models = await listTriageModels(t.db);
    expect(models.map((m) => [m.modelVersion, m.active])).toEqual([
      ['triage-2', false],
      ['triage-1', true],
    ]);
    const classifier = await loadClassifier(t.db);
    expect(classifier?.modelVersion).toBe('triage-1');
    expect(classifier?.classify({ text: 'pod missing', features: {} }).modelVersion).toBe(
      'triage-1',
    );
  });
});

describe('waybill triage', () => {
  test('train: imports examples, trains with progress, reports held-out figures, activates', async () => {
    const { out, err } = await run(['train', '--generate', '3000', '--import', '--epochs', '4']);
    expect(err).toContain('imported 3000 new examples');
    expect(err).toMatch(/epoch {2}4\/4 {2}loss/);
    expect(out).toMatch(/accuracy \d+\.\d%/);
    for (const heading of ['precision', 'confusion', 'reliability', 'threshold'])
      expect(out).toContain(heading);
    expect(out).toMatch(/triage-3 stored and active; held out: accuracy/);
    const active = (await listTriageModels(t.db)).find((m) => m.active);
    expect(active?.modelVersion).toBe('triage-3');
    expect(active?.evaluation?.examples).toBeGreaterThan(400);
  });

  test('train from the database, then evaluate on examples it did not see', async () => {
    const trained = await run(['train', '--epochs', '4', '--json']);
    const report = JSON.parse(trained.out) as { model: string; evaluation: { accuracy: number } };
    expect(report.model).toBe('triage-4');
    expect(report.evaluation.accuracy).toBeGreaterThan(0.75);

    // Examples labelled after training are evaluated too: they cannot have been trained on.
    await importTriageExamples(t.db, generateTriageExamples({ count: 200, seed: 99 }), {
      decidedBy: 'test',
    });
    const { out, err } = await run(['evaluate']);
    expect(err).toMatch(/evaluating triage-4 on \d+ examples it was not trained on/);
    expect(out).toMatch(/^triage-4: accuracy \d+\.\d%, macro-F1 0\.\d+, ECE 0\.\d+/m);
  });

  test('evaluate holds out what train held out: imported examples keep their file ids', async () => {
    const { out } = await run([
      'train',
      '--generate',
      '1500',
      '--seed',
      '8',
      '--import',
      '--holdout',
      '0.3',
      '--epochs',
      '2',
      '--json',
    ]);
    const trained = JSON.parse(out) as { model: string; evaluation: { examples: number } };
    const ids = new Set((await loadTriageExamples(t.db)).map((e) => e.id));
    expect(ids.has('gen-8-0')).toBe(true);
    const model = (await listTriageModels(t.db)).find((m) => m.modelVersion === trained.model);
    expect(model?.active).toBe(true);
    const evaluated = JSON.parse((await run(['evaluate', '--json'])).out) as {
      evaluation: { examples: number };
    };
    // Everything the generated run held out (30 %) is evaluated again, with the earlier sets'
    // held-out examples; nothing it trained on is.
    expect(evaluated.evaluation.examples).toBeGreaterThanOrEqual(trained.evaluation.examples);
    expect(evaluated.evaluation.examples).toBeLessThan(
      (await loadTriageExamples(t.db)).length * 0.35,
    );
  });

  test('unknown subcommands and bad options say what is wrong', async () => {
    await expect(run(['tune'])).rejects.toThrow(/Unknown triage command tune/);
    await expect(run(['train', '--holdout', 'lots'])).rejects.toThrow(/--holdout lots/);
  });
});
