import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The manifests in deploy/kubernetes wired to what the service does (deploy/kubernetes/validate.mjs checks them
 * against Kubernetes' schemas): probes on paths the service answers, a grace period above its own shutdown bound,
 * secrets only from the Secret, only variables the service reads, the image's user.
 */
const root = path.join(__dirname, '..', '..');
const manifest = (file: string) => parse(readFileSync(path.join(root, 'deploy', 'kubernetes', file), 'utf8'));
const deployment = manifest('deployment.yaml');
const configMap = manifest('configmap.yaml');
const secret = manifest('secret.example.yaml');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const SECRET_VARIABLES = [
  'API_KEYS',
  'JUMIO_API_TOKEN',
  'JUMIO_API_SECRET',
  'JUMIO_ACCOUNTS',
  'DATA_ENCRYPTION_KEYS',
  'DATABASE_URL',
];

describe('deploy/kubernetes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('probes: readiness on /health/ready, liveness and start-up on /health/live, on the port the service listens on, each answered 200', async () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    expect(container.startupProbe.httpGet.path).toBe('/health/live');
    const port = container.ports.find((p: { name: string }) => p.name === 'http');
    expect(port.containerPort).toBe(Number(configMap.data.PORT));
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
      expect(probe.httpGet.port).toBe('http');
      await t.http().get(probe.httpGet.path).expect(200);
    }
    // Start-up may wait for the database before it listens: the start-up probe outlasts that wait.
    const startupSeconds = container.startupProbe.periodSeconds * container.startupProbe.failureThreshold;
    expect(startupSeconds).toBeGreaterThan(Number(configMap.data.DATABASE_STARTUP_WAIT_SECONDS));
  });

  it("terminationGracePeriodSeconds is above the preStop pause + SHUTDOWN_TIMEOUT_MS + main.ts's 10 s of closing", () => {
    const preStop = Number(container.lifecycle.preStop.exec.command[1]);
    const shutdownSeconds = Number(configMap.data.SHUTDOWN_TIMEOUT_MS) / 1000;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStop + shutdownSeconds + 10);
  });

  it('secrets come from the Secret only; the ConfigMap holds only variables the service reads', () => {
    const envExample = readFileSync(path.join(root, '.env.example'), 'utf8');
    for (const name of Object.keys(configMap.data)) expect(envExample).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    for (const name of SECRET_VARIABLES) expect(configMap.data).not.toHaveProperty(name);
    expect(container.env ?? []).toEqual([]);
    const sources = container.envFrom.map((s: Record<string, { name: string }>) => Object.keys(s)[0]);
    expect(sources).toEqual(['configMapRef', 'secretRef']);
    expect(container.envFrom[1].secretRef.name).toBe(secret.metadata.name);
    expect(Object.keys(secret.stringData)).toEqual(
      expect.arrayContaining(SECRET_VARIABLES.filter((n) => n !== 'JUMIO_ACCOUNTS')),
    );
  });

  it("runs as the image's non-root user, read-only, without capabilities, with memory from BENCHMARKS.md", () => {
    const user = /^USER (\d+):(\d+)$/m.exec(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: Number(user![1]) });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const mebibytes = (value: string) => Number(/^(\d+)Mi$/.exec(value)![1]);
    // Measured: RSS up to 250 MB at the default ceiling, about 290 MB with it lifted.
    expect(mebibytes(container.resources.requests.memory) * 1.048576).toBeGreaterThanOrEqual(250);
    expect(mebibytes(container.resources.limits.memory) * 1.048576).toBeGreaterThanOrEqual(290);
  });
});
