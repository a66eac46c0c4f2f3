/**
 * One run of the distributed suite: fork the client processes, wait until every one is ready
 * (library loaded, connected, routing fetched), start them together, collect their results.
 * rows/s = all rows / (last flush resolved − first write), over every client.
 *
 *   parent ──fork × P──▶ clients ──ready × P──▶ parent ──go × P──▶ clients ──result × P──▶ parent
 *
 * A client that has not reported its result `CHILD_GRACE_MS` after its deadline is killed.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CHILD_GRACE_MS } from '../common/child-process.js';
import {
  type ClientArgs,
  type ClientMessage,
  type ClientResult,
  clientArgv,
} from './distributed-workload.js';

const CLIENT = new URL('./distributed-client.js', import.meta.url);

export interface ClientsOutcome {
  rows: number;
  rowsAcked: number;
  seconds: number;
  /** User+system CPU of the clients over their load loops, summed. */
  cpuSeconds: number;
  /** Largest peak RSS of a client. */
  peakRssMb: number;
  batchesSent: number;
  rowsResent: number;
  /** Longest wait of a client for its final flush() (the last checkpoint), ms. */
  flushMs: number;
  /** Undefined when every client ran to its end and had every row acknowledged. */
  failure?: string;
}

/** Runs one client per entry of `clients`, started together; resolves with their totals. */
export async function runClients(
  clients: ClientArgs[],
  nodeArgs: readonly string[] = [],
): Promise<ClientsOutcome> {
  const children = clients.map((a) => spawnClient(a, nodeArgs));
  const readies = await Promise.all(children.map((c) => c.ready));
  const notReady = readies.find((r) => r !== undefined);
  if (notReady !== undefined) {
    for (const c of children) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.result));
    return { ...EMPTY, failure: `client error: ${notReady}` };
  }
  for (const c of children) c.child.send('go');
  const results = await Promise.all(children.map((c) => c.result));
  const problems: string[] = [];
  const ok: ClientResult[] = [];
  for (const r of results) {
    if (r.kind === 'error') problems.push(`client error: ${r.message}`);
    else {
      ok.push(r);
      if (r.failure !== undefined) problems.push(`client failed: ${r.failure}`);
      if (r.deadlineHit) problems.push(`deadline hit after ${r.rows} rows`);
    }
  }
  if (ok.length === 0) return { ...EMPTY, failure: problems.join('; ') };
  const sum = (f: (r: ClientResult) => number) => ok.reduce((s, r) => s + f(r), 0);
  const rows = sum((r) => r.rows);
  const rowsAcked = sum((r) => r.rowsAcked);
  const count = clients[0].count;
  if (rowsAcked !== count) problems.push(`${rowsAcked} of ${count} rows acknowledged`);
  return {
    rows,
    rowsAcked,
    seconds: (Math.max(...ok.map((r) => r.endMs)) - Math.min(...ok.map((r) => r.startMs))) / 1000,
    cpuSeconds: sum((r) => r.cpuSeconds),
    peakRssMb: Math.max(...ok.map((r) => r.peakRssMb)),
    batchesSent: sum((r) => r.batchesSent ?? 0),
    rowsResent: sum((r) => r.rowsResent ?? 0),
    flushMs: Math.max(...ok.map((r) => r.flushMs)),
    ...(problems.length > 0 ? { failure: problems.join('; ') } : {}),
  };
}

const EMPTY = {
  rows: 0,
  rowsAcked: 0,
  seconds: 0,
  cpuSeconds: 0,
  peakRssMb: 0,
  batchesSent: 0,
  rowsResent: 0,
  flushMs: 0,
};

type Final = Exclude<ClientMessage, { kind: 'ready' }>;

function spawnClient(
  a: ClientArgs,
  nodeArgs: readonly string[],
): {
  child: ChildProcess;
  /** Undefined once ready; else why it never got there. */
  ready: Promise<string | undefined>;
  result: Promise<Final>;
} {
  const child = fork(fileURLToPath(CLIENT), clientArgv(a), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...nodeArgs], // Node's defaults, whatever flags the harness got (unless asked)
    serialization: 'json',
  });
  let onReady!: (why: string | undefined) => void;
  const ready = new Promise<string | undefined>((resolve) => (onReady = resolve));
  const result = new Promise<Final>((resolve) => {
    let final: Final | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), a.deadlineMs + CHILD_GRACE_MS);
    child.on('message', (m: ClientMessage) => {
      if (m.kind === 'ready') onReady(undefined);
      else {
        final ??= m;
        onReady(m.kind === 'error' ? m.message : 'reported before it was started');
      }
    });
    child.on('error', (err) => {
      final ??= { kind: 'error', message: `cannot run client: ${err.message}` };
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      final ??= { kind: 'error', message: `client exited (code ${code}, signal ${signal}) without a result` };
      onReady(final.kind === 'error' ? final.message : undefined);
      resolve(final);
    });
  });
  return { child, ready, result };
}
