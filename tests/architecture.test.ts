import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SERVER = fileURLToPath(new URL('../server/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)];
  return specifiers.map((match) => match[1] ?? '');
}

describe('layering', () => {
  it('http/ imports nothing from features/: it depends on interfaces (SessionAuthenticator) that features implement', () => {
    const offending = sourceFiles(join(SERVER, 'http')).flatMap((file) =>
      importsOf(file)
        .filter((specifier) => /(^|\/)features\//.test(specifier))
        .map((specifier) => `${relative(SERVER, file)} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it('db/ imports nothing from features/ or http/', () => {
    const offending = sourceFiles(join(SERVER, 'db')).flatMap((file) =>
      importsOf(file)
        .filter((specifier) => /(^|\/)(features|http)\//.test(specifier))
        .map((specifier) => `${relative(SERVER, file)} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it('the check sees imports at all (a regex that matched nothing would pass anything)', () => {
    expect(importsOf(join(SERVER, 'app.ts'))).toContain('./features/users/users.service.js');
  });
});

const TESTS = fileURLToPath(new URL('./', import.meta.url));

describe('test files share a worker process (isolate: false in vitest.config.ts)', () => {
  // Built from pieces so that this file does not match itself.
  const processWide = [['vi', '\\.(?:mock|doMock|stub\\w*|spyOn|useFakeTimers|setSystemTime)\\('], ['process\\.env\\.\\w+\\s*=(?!=)'], ['process\\.chdir\\(']].map(
    (parts) => new RegExp(parts.join('')),
  );
  // Not loaded by vitest: this file (its patterns), and `npm run fuzz`'s command, a process of its own.
  const ownProcess = [fileURLToPath(import.meta.url), join(TESTS, 'fuzz', 'cli.ts')];
  const files = sourceFiles(TESTS).filter((file) => !ownProcess.includes(file));

  it('no test changes what the next file in the same process would see: no module mocks, stubs, fake timers, env or cwd changes', () => {
    const offending = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) => (processWide.some((pattern) => pattern.test(line)) ? [`${relative(TESTS, file)}:${index + 1}: ${line.trim()}`] : [])),
    );
    expect(offending).toEqual([]);
  });

  it('the check reads the test files and its patterns match what they forbid', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(processWide.some((pattern) => pattern.test(`vi.${'mock'}('x')`))).toBe(true);
    expect(processWide.some((pattern) => pattern.test(`process.env.${'FOO'} = '1'`))).toBe(true);
    expect(processWide.some((pattern) => pattern.test(`process.env.${'FOO'} === '1'`))).toBe(false);
  });
});
