import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BenchReport } from '../../src/harness/bench-report.js';
import {
  GUARANTEES,
  MODES,
  reportArb,
  SHAPES,
  sampleReport,
  TARGETS,
  TOPOLOGIES,
} from './bench-report-arbitrary.js';

const SCHEMA_PATH = new URL('../../docs/bench-report.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
// `format` is an annotation here; the `pattern` beside it is what checks startedAt.
const validate = new Ajv2020({ allErrors: true, strict: true, validateFormats: false }).compile(schema);

/** The document as it travels: JSON text parsed back, the way a consumer of the file sees it. */
const asJson = (r: unknown) => JSON.parse(JSON.stringify(r));
const errorsOf = (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []));

type Doc = Record<string, unknown> & { settings: Record<string, unknown> };

/** Ways to break a valid report, each of which the schema must reject. */
const MUTATIONS: { name: string; apply: (d: Doc, pick: number) => void }[] = [
  {
    name: 'a required top-level field removed',
    apply: (d, pick) => {
      const keys = Object.keys(d);
      delete d[keys[pick % keys.length]];
    },
  },
  {
    name: 'a required setting removed',
    apply: (d, pick) => {
      const keys = Object.keys(d.settings);
      delete d.settings[keys[pick % keys.length]];
    },
  },
  { name: 'an unknown target', apply: (d) => void (d.settings.target = 'zset') },
  { name: 'an unknown shape', apply: (d) => void (d.settings.shape = 'deep') },
  { name: 'an unknown topology', apply: (d) => void (d.settings.topology = 'ring') },
  { name: 'an unknown guarantee', apply: (d) => void (d.settings.guarantee = 'at-most-once') },
  { name: 'an unknown mode', apply: (d) => void (d.settings.mode = 'remote') },
  { name: 'another version', apply: (d) => void (d.version = 2) },
  { name: 'a negative row count', apply: (d) => void (d.rowsAcked = -1) },
  { name: 'a fractional row count', apply: (d) => void (d.rowsSent = 1.5) },
  { name: 'a latency as text', apply: (d) => void ((d.latency as Record<string, unknown>).p99Ms = '9') },
  { name: 'an interval without its fields', apply: (d) => void (d.intervals as unknown[]).push({ atMs: 1 }) },
  {
    name: 'an error key that is no code',
    apply: (d) => void ((d.errors as Record<string, number>)['not-a-code'] = 1),
  },
  { name: 'a password among the settings', apply: (d) => void (d.settings.password = 'hunter2') },
  { name: 'an unknown top-level field', apply: (d) => void (d.extra = true) },
  { name: 'a verify result without its fields', apply: (d) => void (d.verify = { ok: true }) },
  { name: 'a start time that is no ISO time', apply: (d) => void (d.startedAt = 'yesterday') },
  { name: 'batchSize 0', apply: (d) => void (d.settings.batchSize = 0) },
  { name: 'a rate of 0', apply: (d) => void (d.settings.rate = 0) },
];

describe('bench report schema — docs/bench-report.schema.json against the BenchReport type', () => {
  it('schema — a sample report validates, as an object and as parsed JSON text', () => {
    expect(errorsOf(sampleReport())).toEqual([]);
    expect(
      errorsOf(asJson(sampleReport({ verify: null, settings: { ...sampleReport().settings, rate: 500 } }))),
    ).toEqual([]);
  });

  it('schema — every report the type allows validates (property)', () => {
    fc.assert(
      fc.property(reportArb, (report: BenchReport) => {
        expect(errorsOf(asJson(report))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('schema — every mutated report is rejected (property)', () => {
    fc.assert(
      fc.property(reportArb, fc.constantFrom(...MUTATIONS), fc.nat(), (report, mutation, pick) => {
        const doc = asJson(report) as Doc;
        mutation.apply(doc, pick);
        expect(validate(doc), mutation.name).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('schema — its fields are exactly the type’s, every one required', () => {
    const r = sampleReport({ verify: { ok: false, checked: 1, problems: ['x'] } });
    const objects: [string, object][] = [
      ['', r],
      ['settings', r.settings],
      ['latency', r.latency],
      ['interval', r.intervals[0]],
      ['node', r.redis[0]],
      ['verify', r.verify!],
    ];
    for (const [def, value] of objects) {
      const s = def === '' ? schema : schema.$defs[def];
      const keys = Object.keys(value).sort();
      expect(Object.keys(s.properties).sort(), def || 'report').toEqual(keys);
      expect([...s.required].sort(), def || 'report').toEqual(keys);
      expect(s.additionalProperties, def || 'report').toBe(false);
    }
  });

  it('schema — its enums list exactly the members of the type’s unions', () => {
    expect(schema.$defs.target.enum).toEqual([...TARGETS]);
    expect(schema.$defs.shape.enum).toEqual([...SHAPES]);
    expect(schema.$defs.topology.enum).toEqual([...TOPOLOGIES]);
    expect(schema.$defs.guarantee.enum).toEqual([...GUARANTEES]);
    expect(schema.$defs.mode.enum).toEqual([...MODES]);
  });
});
