import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The alert rules and the dashboard name only metrics the service exports (promtool's tests run on synthetic
 * series, so a renamed metric would leave them green and the alert dead).
 */
const root = path.join(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const exported = new Set(
  [...read('src/operations/metrics.service.ts').matchAll(/name: '(jumio_fallback_\w+)'/g)].map((m) => m[1]),
);
const metricsIn = (text: string) =>
  new Set([...text.matchAll(/\b(jumio_fallback_\w+?)(?:_bucket)?\b/g)].map((m) => m[1]));

describe('deploy/prometheus', () => {
  it.each(['deploy/prometheus/jumio-fallback.rules.yml', 'deploy/prometheus/grafana-dashboard.json'])(
    '%s uses only exported metrics',
    (file) => {
      const used = [...metricsIn(read(file))];
      expect(used.length).toBeGreaterThan(5);
      for (const name of used) expect([...exported]).toContain(name);
    },
  );
});
