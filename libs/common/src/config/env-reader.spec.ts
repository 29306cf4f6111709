import { ConfigError, EnvReader } from './env-reader.js';

describe('EnvReader', () => {
  it('reads typed values with defaults', () => {
    const env = new EnvReader({ PORT: '3005', FLAG: 'false', LIST: 'a, b,,c' });
    expect(env.int('PORT', 1)).toBe(3005);
    expect(env.int('MISSING', 7)).toBe(7);
    expect(env.boolean('FLAG', true)).toBe(false);
    expect(env.list('LIST', [])).toEqual(['a', 'b', 'c']);
    expect(() => env.done()).not.toThrow();
  });

  it('names every bad variable at once', () => {
    const env = new EnvReader({ PORT: 'eighty', FLAG: 'maybe', URL: 'not a url' });
    env.int('PORT', 1, { min: 1, max: 65535 });
    env.boolean('FLAG', false);
    env.url('URL');
    expect(() => env.done()).toThrow(ConfigError);
    try {
      env.done();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'PORT must be an integer between 1 and 65535',
        'FLAG must be true or false',
        'URL must be a URL',
      ]);
    }
  });

  it('requires keys in production, of 32 bytes', () => {
    const missing = new EnvReader({ NODE_ENV: 'production' });
    missing.key('MASTER_KEY', () => Buffer.alloc(32));
    expect(() => missing.done()).toThrow(/MASTER_KEY is required in production/);

    const short = new EnvReader({ MASTER_KEY: Buffer.alloc(8, 3).toString('base64') });
    short.key('MASTER_KEY', () => Buffer.alloc(32));
    expect(() => short.done()).toThrow(/32 bytes/);
  });

  it('refuses a key of one repeated byte in any mode', () => {
    for (const environment of [{}, { NODE_ENV: 'production' }]) {
      const env = new EnvReader({ ...environment, MASTER_KEY: 'A'.repeat(43) });
      env.key('MASTER_KEY', () => Buffer.alloc(32));
      expect(() => env.done()).toThrow(/MASTER_KEY is a placeholder/);
    }
  });

  it('treats NODE_ENV as production in any case', () => {
    expect(new EnvReader({ NODE_ENV: 'Production' }).isProduction).toBe(true);
    expect(new EnvReader({ NODE_ENV: ' PRODUCTION ' }).isProduction).toBe(true);
    expect(new EnvReader({ NODE_ENV: 'test' }).isProduction).toBe(false);
  });

  it('checks LOG_LEVEL against pino levels', () => {
    expect(new EnvReader({ LOG_LEVEL: 'debug' }).logLevel()).toBe('debug');
    const env = new EnvReader({ LOG_LEVEL: 'loud' });
    env.logLevel();
    expect(() => env.done()).toThrow(/LOG_LEVEL must be one of/);
  });

  it('uses the demo fallback outside production', () => {
    const fallback = Buffer.alloc(32, 7);
    expect(new EnvReader({}).key('MASTER_KEY', () => fallback)).toBe(fallback);
  });
});
