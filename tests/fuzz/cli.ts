/**
 * The contract fuzzer, as many cases as asked:
 *
 *   npm run fuzz -- --runs 10000 [--seed 42] [--only login,getUser]
 *
 * Starts the real server in this process (SQLite, or PostgreSQL + Redis when TEST_DATABASE_URL and TEST_REDIS_URL
 * are set, as in CI), spreads the
 * runs evenly over every operation in openapi.yaml plus requests outside it, and prints per operation the
 * cases sent, the statuses seen and the failures, then checks the server log for passwords and tokens.
 * Exit codes: 0 the contract held, 1 it did not, 2 usage.
 */
import { parseArgs } from 'node:util';

// The test helpers fix their backend from TEST_BACKEND when they load (tests/helpers/postgres.ts), and fuzzer.ts
// loads them: so it is set here, before any of them is imported. Static imports run first, which is why the
// README's `TEST_DATABASE_URL=… TEST_REDIS_URL=… npm run fuzz` silently ran on SQLite.
const services = [process.env.TEST_DATABASE_URL, process.env.TEST_REDIS_URL].filter(Boolean).length;
if (services === 2 && !process.env.TEST_BACKEND) process.env.TEST_BACKEND = 'postgres';
const { DEFAULT_SEED, formatStatuses, Fuzzer, FUZZ_SERVER_ENV, secretsInLogs, seedFor, targetsOf } = await import('./fuzzer.js');
const { loadApiModel } = await import('./spec.js');
const { startTestServer } = await import('../helpers/server.js');


async function main(): Promise<number> {
  let options;
  try {
    options = parseArgs({
      options: { runs: { type: 'string', default: '1000' }, seed: { type: 'string', default: String(DEFAULT_SEED) }, only: { type: 'string' } },
      strict: true,
    }).values;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (services === 1) {
    console.error('set both TEST_DATABASE_URL and TEST_REDIS_URL to fuzz on PostgreSQL + Redis, or neither for SQLite');
    return 2;
  }
  const runs = Number(options.runs);
  const seed = Number(options.seed);
  if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
    console.error('usage: npm run fuzz -- --runs N [--seed S] [--only operationId,…]');
    return 2;
  }

  const api = await loadApiModel();
  const only = options.only?.split(',').map((name) => name.trim());
  const targets = targetsOf(api).filter((target) => !only || only.includes(target.name));
  if (targets.length === 0) {
    console.error(`no operation named ${options.only ?? ''}`);
    return 2;
  }
  const perTarget = Math.ceil(runs / targets.length);
  const started = Date.now();
  const server = await startTestServer(FUZZ_SERVER_ENV);
  const fuzzer = new Fuzzer(server, api);
  // Read from the running server's configuration, not from what was asked for.
  const backend = server.config.database.kind === 'postgresql' ? `PostgreSQL${server.config.redis ? ' + Redis' : ''}` : 'SQLite';
  console.log(`fuzzing ${targets.length} targets × ${perTarget} cases, seed ${seed}, backend: ${backend}\n`);
  try {
    const width = Math.max(...targets.map((t) => t.name.length));
    console.log(`${'operation'.padEnd(width)}  ${'cases'.padStart(6)}  ${'failures'.padStart(8)}  statuses`);
    for (const target of targets) {
      const report = await fuzzer.run(target, { numRuns: perTarget, seed: seedFor(seed, target.name), mode: 'survey' });
      console.log(`${target.name.padEnd(width)}  ${String(report.cases).padStart(6)}  ${String(report.failures).padStart(8)}  ${formatStatuses(report.statuses)}`);
    }
    const reports = [...fuzzer.reports.values()];
    const total = reports.reduce((sum, r) => sum + r.cases, 0);
    const failures = reports.reduce((sum, r) => sum + r.failures, 0);
    console.log(`${'total'.padEnd(width)}  ${String(total).padStart(6)}  ${String(failures).padStart(8)}`);

    await new Promise((resolve) => setImmediate(resolve)); // let the last log lines arrive
    const logs = server.logs();
    const leaked = secretsInLogs(logs, fuzzer.secrets, fuzzer.sentInClear);
    console.log(`\nlog check: ${fuzzer.secrets.size} passwords and tokens looked for in ${(logs.length / 1e6).toFixed(1)} MB of server log: ${leaked.length} found`);
    for (const { secret, where } of leaked.slice(0, 5)) console.log(`  ${secret.slice(0, 12)}… in: ${where}`);

    for (const [name, report] of fuzzer.reports) {
      if (!report.counterexample) continue;
      console.log(`\n--- ${name}: ${report.failures} failures`);
      for (const [finding, count] of [...report.findings].sort(([, a], [, b]) => b - a).slice(0, 10)) console.log(`  ${count}× ${finding.slice(0, 160)}`);
      console.log(`first failure, shrunk:\n${report.counterexample}`);
    }
    console.log(`\ntook ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return failures === 0 && leaked.length === 0 ? 0 : 1;
  } finally {
    fuzzer.close();
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
