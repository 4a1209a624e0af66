/**
 * Where a `node --cpu-prof` profile spent its time: self time by module (npm package, project file, node internals)
 * and the top functions.
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top 25] [--skip <s>]
 *
 * `--skip` leaves out the first seconds (start-up: module loading, migrations, the spec's compilation).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function isProfile(value: unknown): value is Profile {
  return typeof value === 'object' && value !== null && 'nodes' in value && 'samples' in value && 'timeDeltas' in value;
}

/** `node_modules/@mikro-orm/knex/…` → `@mikro-orm/knex`; project files by folder; V8's pseudo-frames as they are. */
export function moduleOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName === '' ? '(anonymous native)' : `(${functionName.replace(/^\(|\)$/g, '')})`;
  if (url.startsWith('node:')) return url.split('/')[0] ?? url;
  const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match?.[1]) return match[1];
  const dist = /\/dist\/(server\/[^/]+(?:\/[^/]+)?)/.exec(url);
  return dist?.[1] ?? url.replace(/^file:\/\//, '');
}

function main(): void {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, skip: { type: 'string', default: '0' } } });
  const file = positionals[0];
  if (!file) {
    console.error('usage: profile-summary <file.cpuprofile> [--top 25]');
    process.exit(2);
  }
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isProfile(parsed)) throw new Error(`${file} is not a V8 CPU profile`);
  const byId = new Map(parsed.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const skipUs = Number(values.skip) * 1e6;
  let elapsed = 0;
  parsed.samples.forEach((id, index) => {
    const delta = parsed.timeDeltas[index] ?? 0;
    elapsed += delta;
    if (elapsed >= skipUs) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });

  const total = [...selfUs.values()].reduce((sum, value) => sum + value, 0);
  const idle = [...selfUs.entries()].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((sum, [, us]) => sum + us, 0);
  const busy = total - idle;
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const module = moduleOf(node.callFrame);
    modules.set(module, (modules.get(module) ?? 0) + us);
    const name = `${node.callFrame.functionName || '(anonymous)'}  ${module}:${node.callFrame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const top = Number(values.top);
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
  console.log(`profile ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (${((busy / total) * 100).toFixed(0)} % of the main thread)\n`);
  console.log('self time by module (% of busy):');
  for (const [name, us] of [...modules].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${name}`);
  console.log('\ntop functions by self time:');
  for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${name}`);
}

main();
