import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/harness/html-report.js';
import { runBenchmark } from '../../src/harness/run-benchmark.js';
import { type RedisServer, startRedis } from '../support/redis.js';

const schema = JSON.parse(
  readFileSync(new URL('../../docs/bench-report.schema.json', import.meta.url), 'utf8'),
);
const validate = new Ajv2020({ allErrors: true, strict: true, validateFormats: false }).compile(schema);
/** The document as `laminar-redis bench --json` writes it: JSON text. */
const asJson = (r: unknown) => JSON.parse(JSON.stringify(r));

describe('bench report schema — the document of a real run', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('report schema — a closed-loop list run with verify validates and renders', async () => {
    const report = await runBenchmark({
      redis: { url: redis.url },
      target: 'list',
      rows: 3000,
      keys: 50,
      batchSize: 200,
      inFlight: 2,
      verify: true,
      intervalMs: 100,
    });
    expect(validate(asJson(report)) ? [] : validate.errors).toEqual([]);
    expect(report.rowsAcked).toBe(3000);
    expect(report.verify?.ok).toBe(true);
    const html = renderHtmlReport(report);
    expect(html).toContain('id="throughput-chart"');
    expect(html).toContain(`<code>${report.settings.keyPrefix}</code>`);
  });

  it('report schema — an open-loop nested hash run bounded by time validates', async () => {
    const report = await runBenchmark({
      redis: { url: redis.url },
      target: 'hash',
      shape: 'nested',
      durationMs: 600,
      rate: 2000,
      keys: 20,
      skew: 1.1,
      batchSize: 100,
      intervalMs: 200,
    });
    expect(validate(asJson(report)) ? [] : validate.errors).toEqual([]);
    expect(report.settings.rows).toBeNull();
    expect(report.settings.rate).toBe(2000);
    expect(report.intervals.length).toBeGreaterThan(0);
  });
});
