/**
 * Set-up shared by the control API tests: a control plane over a fresh data directory and a
 * {@link FakeRuntime}, and the gRPC Control service served on a free loopback port.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ControlPlane } from '../../src/coordinator/control-plane.js';
import { createControlService } from '../../src/coordinator/control-service.js';
import { MetadataStore } from '../../src/coordinator/metadata-store.js';
import { ControlClient, ControlService } from '../../src/wire/gen/laminar/redis/v1/control.js';
import { FakeRuntime, quietLogger } from './fake-runtime.js';

/** A control plane with its data directory (remove it after), store and fake runtime. */
export async function fakePlane(
  prefix: string,
): Promise<{ dir: string; store: MetadataStore; runtime: FakeRuntime; plane: ControlPlane }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const store = await MetadataStore.open(dir);
  const runtime = new FakeRuntime(store);
  const plane = new ControlPlane({ store, runtime, dataDir: dir, logger: quietLogger });
  return { dir, store, runtime, plane };
}

/** The Control service of `plane` on 127.0.0.1, and a client of it. */
export async function serveControl(
  plane: ControlPlane,
  token?: string,
): Promise<{ server: grpc.Server; client: ControlClient }> {
  const server = new grpc.Server();
  server.addService(ControlService, createControlService(plane, { token, logger: quietLogger }));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { server, client: new ControlClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) };
}
