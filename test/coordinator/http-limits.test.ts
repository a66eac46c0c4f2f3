import { rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpApi, startHttpApi } from '../../src/coordinator/http-api.js';
import { until } from '../support/until.js';
import { fakePlane } from './control-fixture.js';
import { quietLogger } from './fake-runtime.js';

/**
 * Slow and greedy HTTP clients: an unauthenticated body is not waited for after its 401, slow
 * headers and slow bodies time out, and connections beyond the cap are refused.
 */

const TOKEN = 'http-limits-token';
let dir: string;
let api: HttpApi;
let capped: HttpApi;
const sockets: Socket[] = [];

beforeAll(async () => {
  const { dir: d, plane } = await fakePlane('laminar-httplimits-');
  dir = d;
  api = await startHttpApi({
    plane,
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    logger: quietLogger,
    headersTimeoutMs: 1_000,
    requestTimeoutMs: 2_000,
  });
  capped = await startHttpApi({
    plane,
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    logger: quietLogger,
    maxConnections: 3,
  });
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await api?.close();
  await capped?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A raw connection that records what it receives and whether the server closed it. */
async function open(to: HttpApi): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  const [host, port] = to.address.split(':');
  const socket = connect(Number(port), host);
  sockets.push(socket);
  let text = '';
  let closed = false;
  socket.on('data', (d) => (text += d.toString()));
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => text, closed: () => closed };
}

const req = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

describe('HTTP limits', () => {
  it('http limits — an unauthenticated body still on its way gets its 401 and the connection is closed', async () => {
    const c = await open(api);
    c.socket.write(
      req([
        'POST /v1/pipelines HTTP/1.1',
        'Host: x',
        'Authorization: Bearer wrong',
        'Content-Type: application/json',
        'Content-Length: 1000000',
      ]),
    );
    c.socket.write('{"name": "slow", ');
    await until(
      'the 401',
      () => c.received(),
      (t) => t.startsWith('HTTP/1.1 401'),
    );
    expect(c.received()).toMatch(/connection: close/i);
    // The rest of the body would come slowly; the server does not wait for it.
    const drip = setInterval(() => c.socket.writable && c.socket.write(' '), 100);
    try {
      await until('the connection closed by the server', () => c.closed(), Boolean, 20_000);
    } finally {
      clearInterval(drip);
    }
  });

  it('http limits — a wrong token with a whole body keeps the connection usable', async () => {
    const c = await open(api);
    const body = '{}';
    c.socket.write(
      req([
        'POST /v1/pipelines HTTP/1.1',
        'Host: x',
        'Authorization: Bearer wrong',
        `Content-Length: ${body.length}`,
      ]) + body,
    );
    await until(
      'the 401',
      () => c.received(),
      (t) => t.includes('HTTP/1.1 401') && t.endsWith('}'),
    );
    c.socket.write(req(['GET /v1/workers HTTP/1.1', 'Host: x', `Authorization: Bearer ${TOKEN}`]));
    await until(
      'the 200 on the same connection',
      () => c.received(),
      (t) => t.includes('HTTP/1.1 200'),
    );
  });

  it('http limits — headers and bodies sent too slowly time out', async () => {
    const headers = await open(api);
    headers.socket.write('GET /v1/workers HTTP/1.1\r\nHost: x\r\n');
    await until('slow headers cut off', () => headers.closed(), Boolean, 20_000);
    const body = await open(api);
    body.socket.write(
      req([
        'POST /v1/pipelines HTTP/1.1',
        'Host: x',
        `Authorization: Bearer ${TOKEN}`,
        'Content-Length: 100',
      ]),
    );
    body.socket.write('{');
    await until('slow body cut off', () => body.closed(), Boolean, 20_000);
  });

  it('http limits — connections beyond the cap are closed; those within it are served', async () => {
    const held = [await open(capped), await open(capped), await open(capped)];
    // The server counts a connection once it accepted it: let it see the three.
    await until('three connections served', async () => {
      const c = held[2];
      c.socket.write(req(['GET /v1/workers HTTP/1.1', 'Host: x', `Authorization: Bearer ${TOKEN}`]));
      return c.received().includes('HTTP/1.1 200');
    });
    const extra = await open(capped);
    await until('the connection beyond the cap closed', () => extra.closed(), Boolean, 20_000);
    expect(extra.received()).toBe('');
    held[0].socket.write(req(['GET /v1/workers HTTP/1.1', 'Host: x', `Authorization: Bearer ${TOKEN}`]));
    await until(
      'a held connection still served',
      () => held[0].received(),
      (t) => t.includes('HTTP/1.1 200'),
    );
  });
});
