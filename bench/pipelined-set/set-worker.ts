/**
 * Child process of the pipelined-SET benchmark: one client, one run, then exit. Living in its own
 * process makes `process.cpuUsage()` and `resourceUsage().maxRSS` that client's alone. The result
 * goes back to the parent over the IPC channel of `child_process.fork`.
 *
 *   parent ──fork──▶ set-worker --client ioredis --port P --count N --batch B --inflight F
 *   parent ◀─IPC──── WorkerMessage
 */
import { reportToParent } from '../common/child-process.js';
import { loadArgsOf, oneOf, positiveInt, readWorkerOptions } from '../common/worker-args.js';
import { ClientNotBuiltError, openClient } from './set-clients.js';
import { runSetLoad } from './set-load.js';
import { CLIENT_IDS, type WorkerArgs, type WorkerMessage } from './set-workload.js';

function readArgs(): WorkerArgs {
  const values = readWorkerOptions(['client', 'port']);
  return {
    client: oneOf('client', values.client, CLIENT_IDS),
    port: positiveInt('port', values.port),
    ...loadArgsOf(values),
  };
}

await reportToParent<WorkerMessage>(
  'set-worker',
  async () => {
    const args = readArgs();
    return runSetLoad(await openClient(args.client, '127.0.0.1', args.port), args);
  },
  (err) => (err instanceof ClientNotBuiltError ? { kind: 'not-built', message: err.message } : undefined),
);
