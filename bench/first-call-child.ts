/**
 * One sample of bench/first-call.ts, in a fresh process: imports `laminar-redis/sink`, then times
 * the process's first `createSink()` for one form of the same table, then a second one (the cost
 * that is paid once shows as the difference). Prints one JSON line: {@link FirstCallSample}.
 *
 * `node dist/bench/first-call-child.js <form> <redis-url>`
 */
import {
  FIRST_CALL_FORMS,
  type FirstCallForm,
  type FirstCallSample,
  sinkInput,
} from './first-call-inputs.js';

const [form, url] = process.argv.slice(2) as [FirstCallForm, string];
if (!FIRST_CALL_FORMS.includes(form) || url === undefined) {
  throw new Error(`usage: first-call-child.js <${FIRST_CALL_FORMS.join('|')}> <redis-url>`);
}

const t0 = performance.now();
const { createSink } = await import('../src/sink.js');
const t1 = performance.now();
const first = await createSink(sinkInput(form, url, 'first_call_a'));
const t2 = performance.now();
const second = await createSink(sinkInput(form, url, 'first_call_b'));
const t3 = performance.now();
await Promise.all([first.close(), second.close()]);

const sample: FirstCallSample = { importMs: t1 - t0, firstMs: t2 - t1, secondMs: t3 - t2 };
process.stdout.write(`${JSON.stringify(sample)}\n`);
