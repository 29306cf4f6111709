import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * The production shape of docker/compose.yaml, read from Compose's own resolved configuration
 * (`config`, with docker/.env.example for the settings an operator puts in docker/.env): no engine
 * is needed. Compose v2 (`docker compose`) is used when present, else v1 (`docker-compose`).
 */

const root = resolve(import.meta.dirname, '..');
const ci = Boolean(process.env.CI);

function composeCommand(): string[] | undefined {
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(command[0], [...command.slice(1), 'version'], { stdio: 'ignore' });
    if (probe.status === 0) return command;
  }
  return undefined;
}

const compose = composeCommand();
if (!compose && !ci) console.warn('docker/compose.spec.ts: no docker compose or docker-compose; skipped');

interface DependsOn {
  condition: string;
}
interface Service {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string | null>;
  secrets?: ({ source: string } | string)[];
  ports?: unknown[];
  expose?: unknown[];
  user?: string;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, DependsOn>;
  deploy?: { replicas?: number };
  networks?: Record<string, unknown> | string[];
  network_mode?: string;
  build?: { dockerfile?: string };
}
interface Config {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean }>;
  secrets: Record<string, { file?: string; environment?: string }>;
}

/** Settings that are secrets: never a value in the configuration, only NAME_FILE. */
const SECRET_VARIABLES = [
  'GATEWAY_MASTER_KEY',
  'GATEWAY_PREVIOUS_MASTER_KEYS',
  'INTERNAL_API_KEY',
  'AUTH_KEY_ENCRYPTION_KEY',
  'PGPASSWORD',
  'POSTGRES_PASSWORD',
];
const NODE_SERVICES = { auth: 'auth-migrate', gateway: 'gateway-migrate' } as const;

/** The last stage of a Dockerfile: what the image runs. */
function finalStage(dockerfile: string): string {
  const text = readFileSync(join(root, dockerfile), 'utf8').replace(/\\\n/g, ' ');
  return text.slice(text.lastIndexOf('\nFROM '));
}

(compose || ci ? describe : describe.skip)('docker/compose.yaml', () => {
  let config: Config;

  beforeAll(() => {
    if (!compose) throw new Error('CI is set, but neither `docker compose` nor `docker-compose` is installed');
    const output = execFileSync(
      compose[0],
      [...compose.slice(1), '-f', 'docker/compose.yaml', '--env-file', 'docker/.env.example', 'config'],
      { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH } },
    );
    config = parse(output) as Config;
  });

  const environment = (service: string) => config.services[service].environment ?? {};
  const secretsOf = (service: string) =>
    (config.services[service].secrets ?? []).map((secret) => (typeof secret === 'string' ? secret : secret.source));
  const networksOf = (service: string) => {
    const networks = config.services[service].networks ?? {};
    return Array.isArray(networks) ? networks : Object.keys(networks);
  };

  it('runs two consult-service replicas and one auth service', () => {
    expect(config.services.gateway.deploy?.replicas).toBe(2);
    expect(config.services.auth.deploy?.replicas ?? 1).toBe(1);
  });

  it('publishes nginx alone, on 443 and 80; PostgreSQL and Redis are on an internal network only', () => {
    const published = Object.entries(config.services)
      .filter(([, service]) => (service.ports ?? []).length > 0)
      .map(([name]) => name);
    expect(published).toEqual(['nginx']);
    expect(JSON.stringify(config.services.nginx.ports)).toMatch(/443/);
    expect(Object.values(config.services).every((service) => service.network_mode === undefined)).toBe(true);
    expect(config.networks.backend.internal).toBe(true);
    expect(networksOf('postgres')).toEqual(['backend']);
    expect(networksOf('redis')).toEqual(['backend']);
    expect(networksOf('nginx')).toEqual(['edge']);
  });

  it('starts each service only after its migration job and the grants job have succeeded', () => {
    for (const [service, job] of Object.entries(NODE_SERVICES)) {
      const dependsOn = config.services[service].depends_on ?? {};
      expect(dependsOn[job]).toEqual(expect.objectContaining({ condition: 'service_completed_successfully' }));
      expect(dependsOn['db-grants']).toEqual(expect.objectContaining({ condition: 'service_completed_successfully' }));
      expect(config.services['db-grants'].depends_on?.[job]).toEqual(
        expect.objectContaining({ condition: 'service_completed_successfully' }),
      );
      // The job runs the service's own image, migrating; the service itself never migrates.
      expect(config.services[job].image).toBe(config.services[service].image);
      expect(config.services[job].command).toEqual(['node', `dist/apps/${service}/src/cli/migrate.js`]);
      expect(environment(service).MIGRATE_AT_BOOT).toBe('false');
    }
  });

  it('migrates as each database owner and serves as a role that owns nothing', () => {
    const user = (service: string, variable: string) =>
      decodeURIComponent(new URL(environment(service)[variable] as string).username);
    expect(user('auth-migrate', 'AUTH_DATABASE_URL')).toBe('sharedcare_auth_owner');
    expect(user('auth', 'AUTH_DATABASE_URL')).toBe('sharedcare_auth');
    expect(user('gateway-migrate', 'DATABASE_URL')).toBe('sharedcare_gateway_owner');
    expect(user('gateway', 'DATABASE_URL')).toBe('sharedcare_gateway');
  });

  it('writes no secret value into the configuration: secrets arrive as files under /run/secrets', () => {
    for (const [name, service] of Object.entries(config.services)) {
      const env = service.environment ?? {};
      for (const variable of SECRET_VARIABLES)
        expect({ name, variable, value: env[variable] }).toEqual({ name, variable, value: undefined });
      for (const [variable, value] of Object.entries(env)) {
        if (/URL$/.test(variable) && value)
          expect({ name, variable, password: new URL(value).password }).toEqual({ name, variable, password: '' });
        if (!variable.endsWith('_FILE')) continue;
        const secret = /^\/run\/secrets\/([a-z_]+)$/.exec(value ?? '')?.[1];
        expect({ name, variable, secret: secret && secretsOf(name).includes(secret) }).toEqual({
          name,
          variable,
          secret: true,
        });
      }
    }
    const generated = readFileSync(join(root, 'docker/generate-secrets.sh'), 'utf8');
    for (const [name, secret] of Object.entries(config.secrets)) {
      expect(secret.file).toBe(join(root, 'docker/secrets', name));
      expect(generated).toMatch(new RegExp(`^write ${name} `, 'm'));
    }
  });

  it('checks the services by readiness, and starts nginx once they are ready', () => {
    for (const service of Object.keys(NODE_SERVICES)) {
      expect(JSON.stringify(config.services[service].healthcheck?.test)).toContain('/health/ready');
      expect(config.services.nginx.depends_on?.[service]).toEqual(
        expect.objectContaining({ condition: 'service_healthy' }),
      );
    }
    for (const service of ['postgres', 'redis']) expect(config.services[service].healthcheck?.test).toBeDefined();
  });

  it('builds the services into images that run as a user other than root, with production dependencies only', () => {
    for (const service of Object.keys(NODE_SERVICES)) {
      for (const name of [service, NODE_SERVICES[service as keyof typeof NODE_SERVICES]]) {
        expect(config.services[name].user).toBeUndefined();
      }
      const dockerfile = config.services[service].build?.dockerfile as string;
      expect(dockerfile).toBe(`docker/${service}.Dockerfile`);
      const stage = finalStage(dockerfile);
      const users = [...stage.matchAll(/^USER\s+(\S+)/gm)].map((match) => match[1]);
      expect(users.length).toBeGreaterThan(0);
      expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
      expect(stage).toMatch(/^RUN npm ci --omit=dev/m);
      expect(stage).toMatch(/^HEALTHCHECK .*\/health\/live/m);
      expect(stage).toMatch(/^ENV NODE_ENV=production$/m);
    }
  });
});
