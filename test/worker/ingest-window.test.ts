import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { INGEST_WINDOW_BYTES, raiseReceiveWindow } from '../../src/worker/ingest-window.js';
import { startWorker } from '../../src/worker/worker.js';
import { recordingLogger } from '../support/sink.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

/** Connects to `address` over plain HTTP/2 and reports the windows the server granted. */
async function windowsOf(address: string, raised = true): Promise<{ stream: number; connection: number }> {
  const session = http2.connect(`http://${address}`);
  cleanup.push(() => void session.destroy());
  const settings = await new Promise<http2.Settings>((resolve, reject) => {
    session.once('remoteSettings', resolve);
    session.once('error', reject);
  });
  // The connection's window comes in a WINDOW_UPDATE right after the SETTINGS.
  const deadline = Date.now() + 2000;
  while (raised && session.state.remoteWindowSize! <= 65_535 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  return { stream: settings.initialWindowSize!, connection: session.state.remoteWindowSize! };
}

describe('ingest receive window', () => {
  it('ingest window — a worker grants producers 8 MiB per stream and per connection, not HTTP/2’s 64 KB', async () => {
    // No coordinator answers: the worker keeps retrying, its ingest server listens all the same.
    const w = await startWorker({ coordinator: '127.0.0.1:1', logger: recordingLogger().logger });
    cleanup.push(() => w.stop());
    expect(await windowsOf(w.ingestAddress)).toEqual({
      stream: INGEST_WINDOW_BYTES,
      connection: INGEST_WINDOW_BYTES,
    });
  });

  it('ingest window — a grpc-js server left as it is grants 64 KB, and an object without HTTP/2 servers is refused', async () => {
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    cleanup.push(() => void server.forceShutdown());
    expect(await windowsOf(`127.0.0.1:${port}`, false)).toEqual({ stream: 65_535, connection: 65_535 });
    expect(raiseReceiveWindow({} as grpc.Server, INGEST_WINDOW_BYTES)).toBe(false);
  });
});
