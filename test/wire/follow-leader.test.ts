import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlServer, ControlService } from '../../src/wire/gen/laminar/redis/v1/control.js';
import { connectControl, unary } from '../../src/wire/grpc-clients.js';
import { bindServer } from '../../src/wire/grpc-util.js';
import { notLeaderStatus } from '../../src/wire/not-leader.js';
import { ServiceGate } from '../../src/wire/service-gate.js';

/**
 * connectControl against servers that answer as standbys do (a ServiceGate refusing with a
 * not-leader status): it makes the call once more at the leader named, with the same token, and
 * never follows a second redirect.
 */

const TOKEN = 'follow-token';

interface TestServer {
  server: grpc.Server;
  address: string;
  gate: ServiceGate<ControlServer>;
  /** Calls that reached it, with the authorization they carried. */
  calls: string[];
}

async function serve(refuseWith: () => string | undefined): Promise<TestServer> {
  const calls: string[] = [];
  const gate = new ServiceGate<ControlServer>(ControlService, async (md) => {
    calls.push(String(md.get('authorization')[0] ?? ''));
    return notLeaderStatus(refuseWith());
  });
  const server = new grpc.Server();
  server.addService(ControlService, gate.handlers);
  const port = await bindServer(server, '127.0.0.1', 0, grpc.ServerCredentials.createInsecure());
  return { server, address: `127.0.0.1:${port}`, gate, calls };
}

let leader: TestServer;
let a: TestServer;
let b: TestServer;
let pointsAtLeader: TestServer;

beforeAll(async () => {
  leader = await serve(() => undefined);
  const impl: Pick<ControlServer, 'listConnectionProfiles' | 'getConnectionProfile'> = {
    listConnectionProfiles: (call, callback) => {
      leader.calls.push(String(call.metadata.get('authorization')[0] ?? ''));
      callback(null, { data: [] });
    },
    getConnectionProfile: (call, callback) => {
      callback({ code: grpc.status.NOT_FOUND, details: `no ${call.request.id}` });
    },
  };
  leader.gate.open(impl as ControlServer);
  pointsAtLeader = await serve(() => leader.address);
  // Two standbys that name each other (a stale record on each side).
  a = await serve(() => b.address);
  b = await serve(() => a.address);
});

afterAll(() => {
  for (const s of [leader, a, b, pointsAtLeader]) s?.server.forceShutdown();
});

describe('connectControl — following a not-leader answer', () => {
  it('follow — the call is made once more at the leader named, with the same token', async () => {
    const control = connectControl({ address: pointsAtLeader.address, token: TOKEN });
    try {
      expect(await unary(control, 'listConnectionProfiles', {})).toEqual({ data: [] });
      expect(pointsAtLeader.calls).toEqual([`Bearer ${TOKEN}`]);
      expect(leader.calls).toEqual([`Bearer ${TOKEN}`]);
      // The leader's own failures come back as they are.
      await expect(unary(control, 'getConnectionProfile', { id: 'x' })).rejects.toMatchObject({
        code: grpc.status.NOT_FOUND,
        details: 'no x',
      });
    } finally {
      control.close();
    }
  });

  it('follow — a second redirect is not followed: the caller sees the not-leader answer', async () => {
    const control = connectControl({ address: a.address });
    try {
      const err = await unary(control, 'listConnectionProfiles', {}).catch((e: grpc.ServiceError) => e);
      expect(err).toMatchObject({ code: grpc.status.UNAVAILABLE });
      expect((err as grpc.ServiceError).metadata.get('laminar-code')).toEqual(['ERR_NOT_LEADER']);
      expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
    } finally {
      control.close();
    }
  });
});
