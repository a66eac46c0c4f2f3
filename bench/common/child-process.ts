/**
 * Both ends of a benchmark worker. The parent forks one worker per client run; the worker does its
 * run, sends one message over the IPC channel of `child_process.fork`, and exits.
 *
 *   parent ──forkWorker(url, argv)──▶ worker
 *   parent ◀─IPC── one message ─────── reportToParent(work)
 *
 * Whatever goes wrong on either side comes back as an `ErrorMessage`, never as a rejection.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { errorText } from './failures.js';

/** A worker that has not reported this long after its load deadline is killed. */
export const CHILD_GRACE_MS = 60_000;

/** The run failed; the one-line reason goes into the report. */
export interface ErrorMessage {
  kind: 'error';
  message: string;
}

/** Forks the worker at `worker` (a compiled .js next to the caller) and resolves with its message. */
export function forkWorker<M>(worker: URL, argv: string[], deadlineMs: number): Promise<M | ErrorMessage> {
  return new Promise((resolve) => {
    const child = fork(fileURLToPath(worker), argv, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [], // every client runs with Node's defaults, whatever flags the harness got
      serialization: 'json',
    });
    let message: M | ErrorMessage | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs + CHILD_GRACE_MS);
    child.on('message', (m) => {
      message ??= m as M;
    });
    child.on('error', (err) => {
      message ??= { kind: 'error', message: `cannot run worker: ${err.message}` };
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(
        message ?? {
          kind: 'error',
          message: `worker exited (code ${code}, signal ${signal}) without a result`,
        },
      );
    });
  });
}

/**
 * The worker's side: runs `work`, sends its message (or the error, told on stderr as `[name] …`),
 * then exits. `expected` turns a known error into a message of its own instead.
 */
export async function reportToParent<M>(
  name: string,
  work: () => Promise<M>,
  expected: (err: unknown) => M | undefined = () => undefined,
): Promise<void> {
  let message: M | ErrorMessage;
  try {
    message = await work();
  } catch (err) {
    const known = expected(err);
    if (known !== undefined) {
      message = known;
    } else {
      // The whole story to stderr; the one-line reason goes into the report.
      console.error(`[${name}]`, err);
      message = { kind: 'error', message: errorText(err) };
    }
  }
  if (process.send === undefined) {
    process.stdout.write(JSON.stringify(message) + '\n'); // run by hand, without the harness
    process.exit(0);
  }
  // Exit once the message is handed over: a client that leaves a handle open must not hang the run.
  process.send(message, () => process.exit(0));
}
