/**
 * The shape of docker-compose.yml and the Dockerfile, checked without a Docker engine: the services, that
 * every BATON_* variable is one the config knows and has a valid value, that the containers reach each
 * other where the variables say, ports, health checks and restart policies.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, SETTINGS } from '../core/config.js';
import { parseConnectionString } from '../storage/clients.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  restart?: string;
  healthcheck?: { test: string[]; interval?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  profiles?: string[];
}

// Compose supports YAML merge keys (<<:), which the file uses for the shared Baton environment.
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const batonServices = Object.entries(services).filter(([, service]) => Object.keys(service.environment ?? {}).some((key) => key.startsWith('BATON_')));
const processors = Object.entries(services).filter(([, service]) => service.command?.[0] === 'processor');
const knownVariables = new Set(Object.values(SETTINGS).map((setting) => setting.env));

function seconds(duration: string | undefined): number {
  const match = /^(\d+)(s|m)$/.exec(duration ?? '');
  if (!match) return 0;
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

describe('docker-compose.yml', () => {
  it('runs RabbitMQ with its management UI, Azurite, two processors and the dashboard (and Jaeger only when asked)', () => {
    expect(Object.keys(services).sort()).toEqual(['azurite', 'dashboard', 'jaeger', 'processor-1', 'processor-2', 'rabbitmq']);
    const byDefault = Object.entries(services).filter(([, service]) => !service.profiles).map(([name]) => name);
    expect(byDefault.sort()).toEqual(['azurite', 'dashboard', 'processor-1', 'processor-2', 'rabbitmq']);
    expect(services.rabbitmq!.image).toMatch(/^rabbitmq:.*management/);
    expect(services.rabbitmq!.ports).toEqual(expect.arrayContaining(['5672:5672', '15672:15672']));
    expect(services.azurite!.image).toMatch(/azurite/);
    expect(processors.map(([name]) => name).sort()).toEqual(['processor-1', 'processor-2']);
    expect(services.dashboard!.command).toEqual(['dashboard']);
  });

  it('gives every service a health check and a restart policy', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test?.[0], name).toMatch(/^CMD/);
      expect(service.restart, name).toMatch(/^(always|unless-stopped|on-failure)/);
    }
  });

  it('uses only BATON_* variables the config knows, each with a value it accepts', () => {
    expect(batonServices.map(([name]) => name).sort()).toEqual(['dashboard', 'processor-1', 'processor-2']);
    for (const [name, service] of batonServices) {
      const env = service.environment!;
      for (const key of Object.keys(env).filter((variable) => variable.startsWith('BATON_'))) {
        expect(knownVariables.has(key), `${name}: ${key} is not in SETTINGS`).toBe(true);
      }
      expect(() => loadConfig({ env }), name).not.toThrow();
    }
  });

  it('points Baton at the broker and storage services by name, on the ports they serve', () => {
    for (const [name, service] of batonServices) {
      const config = loadConfig({ env: service.environment! });
      expect(new URL(config.amqpUrl).hostname, name).toBe('rabbitmq');
      expect(new URL(config.amqpUrl).port || '5672', name).toBe('5672');
      const account = parseConnectionString(config.storageConnectionString);
      expect(new URL(account.blobEndpoint).host, name).toBe('azurite:10000');
      expect(new URL(account.tableEndpoint).host, name).toBe('azurite:10002');
      expect(service.depends_on, name).toEqual({ rabbitmq: { condition: 'service_healthy' }, azurite: { condition: 'service_healthy' } });
    }
    // Azurite must listen beyond its own loopback for the other containers to reach it.
    const azurite = services.azurite!.command!.join(' ');
    expect(azurite).toContain('--blobHost 0.0.0.0');
    expect(azurite).toContain('--tableHost 0.0.0.0');
    expect(azurite).toContain('--disableTelemetry');
  });

  it('publishes the dashboard on 5002, listening on every interface inside its container, health-checked there', () => {
    const dashboard = services.dashboard!;
    const config = loadConfig({ env: dashboard.environment! });
    expect(config.dashboardHost).toBe('0.0.0.0');
    expect(config.dashboardPort).toBe(5002);
    expect(dashboard.ports).toContain('5002:5002');
    expect(dashboard.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${config.dashboardPort}/health`);
  });

  it('names each processor apart, health-checks it on its metrics port, and lets it drain before a kill', () => {
    const ids = processors.map(([, service]) => service.environment!.BATON_PROCESSOR_ID);
    expect(new Set(ids).size).toBe(2);
    for (const [name, service] of processors) {
      const config = loadConfig({ env: service.environment! });
      expect(config.metricsPort, name).toBeDefined();
      expect(service.healthcheck!.test.join(' '), name).toContain(`http://127.0.0.1:${config.metricsPort}/health`);
      expect(seconds(service.stop_grace_period), name).toBeGreaterThan(config.shutdownGraceSeconds);
    }
  });
});

describe('docker-compose.yml tracing', () => {
  it('offers Jaeger all-in-one under the `tracing` profile, with its UI and OTLP/HTTP ports', () => {
    const jaeger = services.jaeger!;
    expect(jaeger.profiles).toEqual(['tracing']);
    expect(jaeger.image).toMatch(/^jaegertracing\/all-in-one:/);
    expect(jaeger.ports).toEqual(expect.arrayContaining(['16686:16686', '4318:4318']));
  });

  it('leaves tracing off unless the host sets OTEL_EXPORTER_OTLP_ENDPOINT (passed to every Baton service)', () => {
    for (const [name, service] of batonServices) {
      expect(service.environment!.OTEL_EXPORTER_OTLP_ENDPOINT, name).toBe('${OTEL_EXPORTER_OTLP_ENDPOINT:-}');
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());

  it('builds with npm ci and runs the baton CLI as a non-root user, node as PID 1 for signals', () => {
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "dist\/cli\.js"\]$/m);
    // The dashboard reads its browser modules from src/dashboard/client at run time.
    expect(dockerfile).toContain('src/dashboard/client');
  });

  it('keeps local installs, builds and data out of the build context', () => {
    for (const entry of ['node_modules', 'dist', '.data']) expect(ignored).toContain(entry);
    expect(ignored).not.toContain('src');
  });
});
