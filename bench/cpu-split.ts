/**
 * Where the machine's cores went during a measurement: the servers, PostgreSQL, and everything else (the load
 * generator, Redis, the kernel's share of loopback networking). This is how the bench tells "the servers scale"
 * from "the machine is full": on 2 cores, a second instance can only add throughput out of what was idle or what
 * the other parts give up.
 */
import { cpuTimeMs, cpuTimeOfCommandMs, machineCpuMs } from './processes.js';

export interface CpuSplit {
  /** Cores used on average over the window, by each part. */
  servers: number;
  postgres: number;
  other: number;
  idle: number;
}

export async function measureCpuSplit<T>(serverPids: number[], work: () => Promise<T>): Promise<{ value: T; split?: CpuSplit }> {
  const sample = () => ({
    at: performance.now(),
    machine: machineCpuMs(),
    servers: serverPids.reduce((sum, pid) => sum + (cpuTimeMs(pid) ?? 0), 0),
    postgres: cpuTimeOfCommandMs('postgres'),
  });
  const before = sample();
  const value = await work();
  const after = sample();
  if (!before.machine || !after.machine) return { value };
  const wallMs = after.at - before.at;
  const cores = (after.machine.total - before.machine.total) / wallMs;
  const busy = (after.machine.busy - before.machine.busy) / wallMs;
  const servers = (after.servers - before.servers) / wallMs;
  const postgres = (after.postgres - before.postgres) / wallMs;
  return { value, split: { servers, postgres, other: Math.max(0, busy - servers - postgres), idle: Math.max(0, cores - busy) } };
}

export function describeCpuSplit(split: CpuSplit | undefined): string {
  if (!split) return '';
  const part = (name: string, value: number) => `${name} ${value.toFixed(2)}`;
  const parts = [part('server', split.servers)];
  if (split.postgres >= 0.01) parts.push(part('postgres', split.postgres));
  parts.push(part('load gen+other', split.other), part('idle', split.idle));
  return `cores: ${parts.join(', ')}`;
}
