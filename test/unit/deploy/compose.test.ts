/**
 * deploy/compose.yaml: valid against the Compose Specification's JSON schema (vendored, see README.md here), and
 * consistent with the app: PostgreSQL with a volume, two app replicas and a proxy in front of them, each with a
 * health check and a restart policy; every variable the app service gets is one the app reads (app/env.ts), and the
 * ones it needs to serve are there; the proxy forwards to the port the app listens on.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AppEnv } from '../../../app/env.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const DEPLOY = join(ROOT, 'deploy');

/** Read by the runtime rather than app/env.ts. */
const RUNTIME_VARIABLES = new Set(['NODE_ENV', 'NODE_COMPILE_CACHE', 'LOG_FORMAT']);
/** Used by compose.yaml itself (interpolation), not passed to the app as such. */
const COMPOSE_VARIABLES = new Set(['POSTGRES_PASSWORD', 'PROXY_PORT', 'PRIVATE_KEY_FILE']);

interface Service {
  image?: string;
  restart?: string;
  healthcheck?: { test: string[] | string };
  environment?: Record<string, string>;
  env_file?: string | string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  secrets?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file: string }>;
}

/** `NAME=value` lines of an env file, commented-out ones too (`# NAME=value`): the names it documents. */
function envFileNames(text: string): { set: string[]; mentioned: string[] } {
  const set: string[] = [];
  const mentioned: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=/.exec(line.trim());
    if (!match?.[2]) continue;
    mentioned.push(match[2]);
    if (!match[1]) set.push(match[2]);
  }
  return { set, mentioned };
}

describe('deploy/compose.yaml', () => {
  let text: string;
  let compose: Compose;
  let envExample: { set: string[]; mentioned: string[] };
  const appReads = new Set(Object.keys(AppEnv.shape));

  beforeAll(async () => {
    text = await readFile(join(DEPLOY, 'compose.yaml'), 'utf8');
    compose = parse(text) as Compose;
    envExample = envFileNames(await readFile(join(DEPLOY, '.env.example'), 'utf8'));
  });

  it('is valid against the Compose Specification schema', async () => {
    // Draft-07, as ajv's default; its `$schema` says so with an https URL ajv does not know by that name.
    const { $schema: _draft, ...schema } = JSON.parse(
      await readFile(join(import.meta.dirname, 'compose-spec.schema.json'), 'utf8'),
    );
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The schema itself catches mistakes: a misspelt key fails.
    expect(validate({ services: { app: { image: 'x', restrat: 'always' } } })).toBe(false);
  });

  it('runs PostgreSQL with a volume, two app replicas and a proxy, each with a health check and a restart policy', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['app', 'postgres', 'proxy']);
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.restart, name).toMatch(/^(always|unless-stopped|on-failure)/);
      expect(service.healthcheck?.test, name).toBeTruthy();
    }
    const { postgres, app, proxy } = compose.services as Record<string, Service>;
    const [volume] = (postgres?.volumes ?? [])[0]?.split(':') ?? [];
    expect(postgres?.volumes?.[0]).toMatch(/:\/var\/lib\/postgresql\/data$/);
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
    expect(app?.deploy?.replicas).toBe(2);
    // Replicas publish no host port: only the proxy does.
    expect(app?.ports).toBeUndefined();
    expect(proxy?.ports).toHaveLength(1);
    expect(app?.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(proxy?.depends_on?.app?.condition).toBe('service_healthy');
  });

  it('gives the app only variables it reads, all it needs to serve, secrets from .env, and PostgreSQL', () => {
    const app = compose.services.app as Service;
    const environment = app.environment ?? {};
    for (const name of Object.keys(environment))
      expect(appReads.has(name) || RUNTIME_VARIABLES.has(name), name).toBe(true);
    expect(app.env_file).toBe('.env');
    for (const name of envExample.mentioned) {
      expect(appReads.has(name) || RUNTIME_VARIABLES.has(name) || COMPOSE_VARIABLES.has(name), name).toBe(
        true,
      );
    }
    // What requireServingEnv() insists on, with PostgreSQL for two replicas and PUBLIC_URL for completion webhooks.
    const given = new Set([...Object.keys(environment), ...envExample.set]);
    for (const name of ['APP_ID', 'WEBHOOK_SECRET', 'CODECLOUD_API_KEY', 'PUBLIC_URL', 'DATABASE_URL']) {
      expect(given.has(name), name).toBe(true);
    }
    expect(environment.PRIVATE_KEY_PATH).toBe('/run/secrets/github_app_private_key');
    expect(app.secrets).toEqual(['github_app_private_key']);
    expect(Object.keys(compose.secrets ?? {})).toEqual(['github_app_private_key']);
    const database = new URL((environment.DATABASE_URL ?? '').replace(/\$\{[^}]*\}/g, 'secret'));
    expect(database.protocol).toBe('postgres:');
    expect(database.hostname).toBe('postgres');
    expect(database.port).toBe('5432');
    expect(database.pathname).toBe(`/${compose.services.postgres?.environment?.POSTGRES_DB}`);
    expect(database.username).toBe(compose.services.postgres?.environment?.POSTGRES_USER);
    // Every ${VAR} compose interpolates is in .env.example.
    const interpolated = [...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1]);
    for (const name of interpolated) expect(envExample.mentioned, name).toContain(name);
  });

  it('health-checks the port the app listens on, and the proxy forwards there and listens where it is published', async () => {
    const app = compose.services.app as Service;
    const port = app.environment?.PORT;
    expect(port).toMatch(/^\d+$/);
    expect(JSON.stringify(app.healthcheck?.test)).toContain(`127.0.0.1:${port}/healthz`);
    const nginx = await readFile(join(DEPLOY, 'nginx.conf'), 'utf8');
    expect(nginx).toMatch(new RegExp(`http://app:${port}\\b`));
    const proxy = compose.services.proxy as Service;
    const containerPort = proxy.ports?.[0]?.split(':').at(-1);
    expect(nginx).toMatch(new RegExp(`listen ${containerPort};`));
    expect(proxy.volumes).toContain('./nginx.conf:/etc/nginx/conf.d/default.conf:ro');
    expect(JSON.stringify(proxy.healthcheck?.test)).toContain(`127.0.0.1:${containerPort}/healthz`);
  });
});
