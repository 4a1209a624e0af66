import { configDefaults, defineConfig } from 'vitest/config';

// With PostgreSQL and Redis at hand (CI sets both, see .ci/run) the whole
// suite runs twice: once on SQLite, once on PostgreSQL + Redis.
const withServices = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL);
// Files that only make sense against the real services; without them they
// still load (in the sqlite project) and report themselves as skipped.
const servicesOnly = [
  'tests/postgres-redis.test.ts',
  'tests/multi-instance.test.ts',
  'tests/multi-instance-keys.test.ts',
  'tests/redis-down.test.ts',
  'tests/mail-multi-instance.test.ts',
  'tests/mfa-instances.test.ts',
];

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The default output, then which suites and tests were skipped and why (their names say it).
    reporters: ['default', './tests/helpers/skip-reasons-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Files run in parallel worker processes, each with its own server and database.
    // Four on two cores: the files mostly wait (on child processes, bcrypt, the
    // database), using about half the CPU with two workers; both projects
    // together took 11.5 min with 2 workers and 7.5 min with 4 on a busy machine.
    pool: 'forks',
    maxWorkers: 4,
    // A worker runs file after file in one process, instead of a fresh process per file: each file otherwise
    // loaded the whole server graph (MikroORM, Koa, the validator) anew, about 1.6 s of CPU a file, a third of
    // the SQLite pass. Files share nothing but those modules: each starts its own servers, databases and
    // folders, and no module keeps state between them (tests/architecture.test.ts keeps tests off vi.mock).
    isolate: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          env: { TEST_BACKEND: 'sqlite' },
          exclude: withServices ? [...configDefaults.exclude, ...servicesOnly] : configDefaults.exclude,
        },
      },
      ...(withServices
        ? [
            {
              extends: true as const,
              test: { name: 'postgres', env: { TEST_BACKEND: 'postgres' }, globalSetup: ['tests/helpers/drop-stale-databases.ts'] },
            },
          ]
        : []),
    ],
  },
});
