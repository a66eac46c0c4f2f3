import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  assertBindAllowed,
  bearerToken,
  checkAuthorization,
  checkGrpcAuth,
  isLoopback,
  tokenMatches,
} from '../../src/wire/auth.js';

describe('auth', () => {
  it('auth — tokens match only when equal, whatever their lengths', () => {
    expect(tokenMatches('s3cret', 's3cret')).toBe(true);
    expect(tokenMatches('s3cret', 's3cre')).toBe(false);
    expect(tokenMatches('s3cret', 's3cret-and-more')).toBe(false);
    expect(tokenMatches('s3cret', '')).toBe(false);
  });

  it('auth — the bearer token is read from `Bearer <t>` in any case, nothing else', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('auth — missing or wrong tokens are ERR_UNAUTHENTICATED without echoing them; no server token allows all', () => {
    expect(() => checkAuthorization('tok', undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_UNAUTHENTICATED' }),
    );
    let message = '';
    try {
      checkAuthorization('tok', 'Bearer guessed-token');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('invalid bearer token');
    expect(() => checkAuthorization('tok', 'Bearer tok')).not.toThrow();
    expect(() => checkAuthorization(undefined, undefined)).not.toThrow();
    expect(() => checkAuthorization('', 'Bearer x')).not.toThrow();
  });

  it('auth — gRPC metadata carries the token as `authorization: Bearer <t>`', () => {
    const md = new Metadata();
    expect(() => checkGrpcAuth('tok', md)).toThrow(expect.objectContaining({ code: 'ERR_UNAUTHENTICATED' }));
    md.set('authorization', 'Bearer tok');
    expect(() => checkGrpcAuth('tok', md)).not.toThrow();
  });

  it('auth — without a token only loopback addresses may be bound', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost', '[::1]', '127.0.0.2']) {
      expect(isLoopback(host), host).toBe(true);
      expect(() => assertBindAllowed(host, undefined)).not.toThrow();
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.com', '']) {
      expect(isLoopback(host), host).toBe(false);
      expect(() => assertBindAllowed(host, undefined), host).toThrow(
        expect.objectContaining({
          code: 'ERR_INSECURE_BIND',
          message: expect.stringContaining('without a token'),
        }),
      );
      expect(() => assertBindAllowed(host, '')).toThrow(
        expect.objectContaining({ code: 'ERR_INSECURE_BIND' }),
      );
      expect(() => assertBindAllowed(host, 'tok')).not.toThrow();
    }
  });
});
