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
