import { describe, expect, it } from 'vitest';
import { chooseRedis, withPassword } from '../../src/cli/redis-choice.js';
import { createClient } from '../../src/resp/client.js';
import { resolveSecrets } from '../../src/schema/secrets.js';
import { findFreePort, withRedis } from '../support/redis.js';

/** Connects to `address` as a sink would: `{{ VAR }}` resolved from `env`. */
async function pingAs(address: string, env: NodeJS.ProcessEnv, password?: string): Promise<unknown> {
  const resolved = resolveSecrets(
    {
      name: 't',
      connection: { kind: 'standalone', address },
      ...(password === undefined ? {} : { password }),
    },
    env,
  );
  const c = await createClient(resolved.connection.kind === 'standalone' ? resolved.connection.address : '', {
    password: resolved.password,
  });
  try {
    return await c.send(['PING']);
  } finally {
    await c.close();
  }
}

describe('main job redis choice', () => {
  it('redis choice — withPassword puts a password (or a reference) in place of the URL one', () => {
    expect(withPassword('redis://127.0.0.1:7000', 'p')).toBe('redis://:p@127.0.0.1:7000');
    expect(withPassword('redis://app:old@h:1/2', '{{ X }}')).toBe('redis://app:{{ X }}@h:1/2');
    expect(withPassword('rediss://app@h:1', 'p')).toBe('rediss://app:p@h:1');
  });

  it('redis choice — nothing answers: a private server with a generated password, in REDIS_PASSWORD', async () => {
    const port = await findFreePort();
    const env: NodeJS.ProcessEnv = {};
    const choice = await chooseRedis(`redis://127.0.0.1:${port}`, env);
    try {
      expect(choice.server).toBeDefined();
      const password = env.REDIS_PASSWORD!;
      expect(password).toMatch(/^[\w-]{20,}$/);
      expect(choice.sinkAddress).toBe(`redis://:{{ REDIS_PASSWORD }}@127.0.0.1:${choice.server!.port}`);
      expect(choice.sinkAddress).not.toContain(password);
      expect(choice.shown).not.toContain(password);
      expect(choice.notes.join('\n')).not.toContain(password);
      // Sinks with and without the documented password option both get in; without it, nothing does.
      expect(await pingAs(choice.sinkAddress, env)).toBe('PONG');
      expect(await pingAs(choice.server!.url, env, '{{ REDIS_PASSWORD }}')).toBe('PONG');
      await expect(pingAs(choice.server!.url, env)).rejects.toThrow(/NOAUTH|refused/);
    } finally {
      await choice.server?.stop();
    }
  });

  it('redis choice — a Redis without a password: used as is, REDIS_PASSWORD satisfied, the adaptation told', async () => {
    await withRedis(async (server) => {
      const env: NodeJS.ProcessEnv = {};
      const choice = await chooseRedis(server.url, env);
      expect(choice.server).toBeUndefined();
      expect(choice.sinkAddress).toBe(server.url);
      expect(env.REDIS_PASSWORD).toBeDefined();
      expect(choice.notes.join('\n')).toMatch(/has no password.*generated value.*runs as written/s);
      expect(await pingAs(server.url, env, '{{ REDIS_PASSWORD }}')).toBe('PONG');
    });
  });

  it('redis choice — a Redis with a password: from the URL, or from REDIS_PASSWORD; none is an error', async () => {
    await withRedis(
      async (server) => {
        const env: NodeJS.ProcessEnv = {};
        const fromUrl = await chooseRedis(`redis://:s3cret@${server.host}:${server.port}`, env);
        expect(env.REDIS_PASSWORD).toBe('s3cret');
        expect(fromUrl.shown).toBe(server.url);
        expect(await pingAs(fromUrl.sinkAddress, env)).toBe('PONG');

        const given: NodeJS.ProcessEnv = { REDIS_PASSWORD: 's3cret' };
        const fromEnv = await chooseRedis(server.url, given);
        expect(fromEnv.sinkAddress).toBe(`redis://:{{ REDIS_PASSWORD }}@${server.host}:${server.port}`);
        expect(await pingAs(fromEnv.sinkAddress, given)).toBe('PONG');
        const reader = await createClient(fromEnv.url);
        await reader.close();

        await expect(chooseRedis(server.url, {})).rejects.toThrow(/asks for a password/);
      },
      { config: 'requirepass s3cret\n' },
    );
  });
});
