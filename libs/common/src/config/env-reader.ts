/** Thrown at boot when the environment is unusable; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads environment variables into typed values, collecting every problem so the process can
 * refuse to start once, saying which variables are wrong (CONVENTIONS 12).
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  get isProduction(): boolean {
    return this.env.NODE_ENV === 'production';
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
   * A 32-byte key given as base64. In production it must be set and must not be a published
   * demo value; elsewhere `demoFallback` supplies one.
   */
  key(name: string, demoFallback: () => Buffer, forbidden: string[] = []): Buffer {
    const raw = this.optionalString(name);
    if (raw === undefined) {
      if (this.isProduction) {
        this.problems.push(`${name} is required in production (32 random bytes, base64)`);
        return Buffer.alloc(32);
      }
      return demoFallback();
    }
    const key = Buffer.from(raw, 'base64');
    if (key.length !== 32) this.problems.push(`${name} must be 32 bytes encoded as base64`);
    if (this.isProduction && forbidden.includes(raw))
      this.problems.push(`${name} is a default value; set a secret of your own`);
    return key;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws a ConfigError naming every problem seen, if any. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
