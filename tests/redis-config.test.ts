import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/config.js';

const BASE = { NODE_ENV: 'test', JWT_SECRET: 'a-test-secret-that-is-long-enough-0123456789' };

describe('REDIS_URL and REDIS_KEY_PREFIX', () => {
  it('unset or empty: no Redis, the login counters stay in-process', () => {
    expect(loadConfig(BASE).config.redis).toBeUndefined();
    expect(loadConfig({ ...BASE, REDIS_URL: '  ' }).config.redis).toBeUndefined();
  });

  it('redis:// or rediss:// with the default prefix authapi:, or the one given', () => {
    expect(loadConfig({ ...BASE, REDIS_URL: 'redis://127.0.0.1:6379' }).config.redis).toEqual({ url: 'redis://127.0.0.1:6379', keyPrefix: 'authapi:' });
    expect(loadConfig({ ...BASE, REDIS_URL: 'rediss://cache:6380/2', REDIS_KEY_PREFIX: 'shop-a:' }).config.redis).toEqual({
      url: 'rediss://cache:6380/2',
      keyPrefix: 'shop-a:',
    });
  });

  it('anything else stops the start with a message naming REDIS_URL, without echoing a password', () => {
    let caught: unknown;
    try {
      loadConfig({ ...BASE, REDIS_URL: 'http://user:hunter2@cache:6379' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = caught instanceof Error ? caught.message : '';
    expect(message).toContain('REDIS_URL must start with redis:// or rediss://');
    expect(message).not.toContain('hunter2');
  });
});
