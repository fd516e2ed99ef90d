/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`, e.g. the service's during `BENCH_CPU_PROFILE=1 npm run bench`):
 * self time by package / project file, and the heaviest functions.
 *
 *   node dist-bench/bench/profile-summary.js bench/results/profiles/<file>.cpuprofile [top]
 */
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  if (!url) return '(native / V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const project = /\/dist\/(src\/.*|migrations\/.*)$/.exec(url);
  if (project) return project[1];
  if (url.startsWith('node:')) return url;
  return url;
}

export function summarize(file: string, top = 25): string {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  // Start-up (loading and evaluating modules under the main module) is left out: the steady state is what counts.
  const startup = new Map<number, boolean>();
  const isStartup = (id: number): boolean => {
    if (startup.has(id)) return startup.get(id)!;
    const n = byId.get(id)!;
    const v =
      n.callFrame.url === 'node:internal/main/run_main_module' || (parentOf.has(id) && isStartup(parentOf.get(id)!));
    startup.set(id, v);
    return v;
  };
  const self = new Map<number, number>();
  let total = 0;
  let startupUs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    if (isStartup(p.samples[i])) {
      startupUs += dt;
      continue;
    }
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
    total += dt;
  }
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    const place = ['(garbage collector)', '(program)'].includes(name) ? name : where(n.callFrame.url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    const fn = `${name} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const busy = total - idle;
  // Inclusive: a place counts once per sample in which any of its frames is on the stack.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  const stackCache = new Map<number, Set<string>>();
  const placesOnStack = (id: number): Set<string> => {
    const cached = stackCache.get(id);
    if (cached) return cached;
    const n = byId.get(id)!;
    const up = parent.has(id) ? placesOnStack(parent.get(id)!) : new Set<string>();
    const mine = new Set(up);
    if (n.callFrame.url) mine.add(where(n.callFrame.url));
    stackCache.set(id, mine);
    return mine;
  };
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i])!;
    if (n.callFrame.functionName === '(idle)' || isStartup(p.samples[i])) continue;
    for (const place of placesOnStack(p.samples[i]))
      inclusive.set(place, (inclusive.get(place) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
  const pct = (us: number) => ((100 * us) / busy).toFixed(1).padStart(5);
  const lines = [
    `${file}: ${(total / 1e6).toFixed(1)} s profiled after start-up (${(startupUs / 1e6).toFixed(1)} s of module loading left out), ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / total).toFixed(0)} %)`,
    'self time by place (ms, % of busy):',
  ];
  for (const [k, v] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${ms(v)} ${pct(v)} %  ${k}`);
  lines.push('inclusive time by place (any of its frames on the stack; ms, % of busy):');
  for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`${ms(v)} ${pct(v)} %  ${k}`);
  lines.push('heaviest functions (self):');
  for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`${ms(v)} ${pct(v)} %  ${k}`);
  return lines.join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist-bench/bench/profile-summary.js <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${summarize(file, top ? Number(top) : 25)}\n`);
}
