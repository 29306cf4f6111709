/** Thrown at boot when the environment is unusable; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads environment variables into typed values, collecting every problem so the process can
 * refuse to start once, saying which variables are wrong (CONVENTIONS 12).
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** NODE_ENV=production, in any case: a mistyped "Production" must not turn demo mode on. */
  get isProduction(): boolean {
    return this.env.NODE_ENV?.trim().toLowerCase() === 'production';
  }

  optionalString(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.optionalString(name) ?? fallback;
  }

  int(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max}`);
      return fallback;
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    this.problems.push(`${name} must be true or false`);
    return fallback;
  }

  url(name: string, fallback?: string): string | undefined {
    const value = this.optionalString(name) ?? fallback;
    if (value === undefined) return undefined;
    try {
      new URL(value);
    } catch {
      this.problems.push(`${name} must be a URL`);
    }
    return value;
  }

  list(name: string, fallback: string[]): string[] {
    const raw = this.optionalString(name);
    return raw === undefined
      ? fallback
      : raw
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean);
  }

  /**
   * A 32-byte key given as base64. In production it must be set; elsewhere `demoFallback`
   * supplies one. A key of one repeated byte (all zeros, say) is refused everywhere: it is a
   * placeholder, not a secret.
   */
  key(name: string, demoFallback: () => Buffer): Buffer {
    const raw = this.optionalString(name);
    if (raw === undefined) {
      if (this.isProduction) {
        this.problems.push(`${name} is required in production (32 random bytes, base64)`);
        return Buffer.alloc(32);
      }
      return demoFallback();
    }
    const key = Buffer.from(raw, 'base64');
    if (key.length !== 32) {
      this.problems.push(`${name} must be 32 bytes encoded as base64`);
    } else if (key.every((byte) => byte === key[0])) {
      this.problems.push(`${name} is a placeholder (one repeated byte); use 32 random bytes`);
    }
    return key;
  }

  /** LOG_LEVEL, one of pino's levels. */
  logLevel(): string {
    const level = this.string('LOG_LEVEL', 'info');
    if (!LOG_LEVELS.includes(level)) this.problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
    return level;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws a ConfigError naming every problem seen, if any. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
