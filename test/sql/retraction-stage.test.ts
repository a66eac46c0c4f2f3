/**
 * Row kinds through the stateless parts of the data flow: a WHERE keeps the kind of every row it
 * keeps, the router splits kinds with their rows, ORDER BY moves them with their rows, and the
 * aggregates that can take a retraction back end where they would without the retracted rows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RowBatch } from '../../src/plan/operators.js';
import { SlotRouter } from '../../src/plan/router.js';
import { comparatorOf } from '../../src/schema/values.js';
import { ROW_DELETE, ROW_INSERT, ROW_UPDATE_AFTER, ROW_UPDATE_BEFORE } from '../../src/sink/changelog.js';
import type { SinkTable } from '../../src/sink/model.js';
import { aggregateFn } from '../../src/sql/aggregates.js';
import { EvalContext } from '../../src/sql/compiled.js';
import { sortBatch } from '../../src/sql/order-by.js';
import { ProjectStage } from '../../src/sql/query-stage.js';

type Row = Record<string, unknown>;
const kind = fc.constantFrom(ROW_INSERT, ROW_UPDATE_BEFORE, ROW_UPDATE_AFTER, ROW_DELETE);

const table = {
  name: 't',
  format: 'json',
  target: { type: 'string', keyPrefix: 'k:', keyColumn: 'id' },
} as unknown as SinkTable;

describe('changelog kinds — stages, routing, ordering', () => {
  it('a WHERE keeps the kinds of the rows it keeps; no kinds in, no kinds out', () => {
    const stage = new ProjectStage(
      new EvalContext(),
      (r) => ((r as Row).v as number) > 1,
      ['id'],
      [(r) => (r as Row).id],
      [],
    );
    const rows = [1, 2, 3, 0, 5].map((v, id) => ({ id, v }));
    const kinds = Uint8Array.from([ROW_INSERT, ROW_UPDATE_BEFORE, ROW_UPDATE_AFTER, ROW_DELETE, ROW_DELETE]);
    const out = stage.apply(rows, 'p', [1, 2, 3, 4, 5], kinds);
    expect(out.rows).toEqual([{ id: 1 }, { id: 2 }, { id: 4 }]);
    expect(out.offsets).toEqual([2, 3, 5]);
    expect([...out.kinds!]).toEqual([ROW_UPDATE_BEFORE, ROW_UPDATE_AFTER, ROW_DELETE]);
    expect(stage.apply(rows, 'p', [1, 2, 3, 4, 5]).kinds).toBeUndefined();
  });

  it('property — the router hands each shard its rows with their own kinds, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 6 }), kind), { maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        (entries, shards) => {
          const router = new SlotRouter(table, shards);
          const rows = entries.map(([id], i) => ({ id, i }));
          const kinds = Uint8Array.from(entries.map(([, k]) => k));
          const routed = router.route(
            rows,
            'p',
            rows.map((r) => r.i),
            kinds,
          );
          let seen = 0;
          for (const r of routed) {
            if (r === undefined) continue;
            expect(r.kinds!.length).toBe(r.rows.length);
            r.rows.forEach((row, j) => {
              expect(r.kinds![j]).toBe(kinds[(row as Row).i as number]);
            });
            seen += r.rows.length;
          }
          expect(seen).toBe(rows.length);
          for (const r of router.route(
            rows,
            'p',
            rows.map((x) => x.i),
          ))
            expect(r?.kinds).toBeUndefined();
        },
      ),
    );
  });

  it('property — ORDER BY moves each kind with its row', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), kind, fc.constantFrom('a', 'b')), {
          maxLength: 40,
        }),
        fc.boolean(),
        (entries, single) => {
          const rows = entries.map(([v, k], i) => ({ v, k, i }));
          const batch: RowBatch = {
            rows: [...rows],
            partition: single ? 'p' : entries.map(([, , p]) => p),
            offsets: rows.map((r) => r.i),
            kinds: Uint8Array.from(entries.map(([, k]) => k)),
          };
          const key = {
            value: (_s: unknown, o: unknown) => (o as Row).v,
            compare: comparatorOf('BIGINT'),
            descending: false,
            nullsFirst: false,
          };
          sortBatch([key], batch, batch.rows);
          batch.rows.forEach((r, j) => {
            expect(batch.kinds![j]).toBe((r as Row).k);
          });
        },
      ),
    );
  });

  it('property — COUNT, SUM and AVG after retractions equal the same over the rows kept', () => {
    const arg = { type: 'BIGINT' as const, fn: () => null, position: undefined };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.option(fc.integer({ min: -1000, max: 1000 })), fc.boolean()), { maxLength: 50 }),
        (entries) => {
          for (const name of ['COUNT', 'SUM', 'AVG']) {
            const f = aggregateFn(name, arg, undefined);
            let all = f.init();
            let kept = f.init();
            for (const [v] of entries) all = f.step(all, v);
            for (const [v, retracted] of entries) {
              if (retracted) all = f.retract!(all, v);
              else kept = f.step(kept, v);
            }
            const someKept = entries.some(([v, r]) => !r && v !== null);
            // SUM keeps no count of values: all retracted, it is 0 where a fresh SUM is NULL.
            if (name === 'SUM' && !someKept) expect(f.result(all) ?? 0).toBe(0);
            else if (name === 'AVG' && someKept)
              expect(f.result(all)).toBeCloseTo(f.result(kept) as number, 9);
            else expect(f.result(all)).toEqual(f.result(kept));
          }
        },
      ),
    );
    expect(aggregateFn('MIN', arg, undefined).retract).toBeUndefined();
  });
});
