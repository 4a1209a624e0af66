import { createRequire } from 'node:module';

interface SpecCheck {
  validate(document: unknown): { errors: unknown[] };
}
type SpecCheckClass = new (options: { version: string; validateApiSpec: boolean }) => SpecCheck;
interface SpecCheckModule {
  OpenAPISchemaValidator: SpecCheckClass;
}

const deferred = new WeakSet<SpecCheckClass>();

/**
 * express-openapi-validator 5.6.2 compiles the whole OpenAPI 3 meta-schema with ajv whenever it loads a spec
 * (`new OpenAPISchemaValidator(…)` in framework/index.js), even with `validateApiSpec: false`, where it never asks
 * it anything: 0.2 s of CPU at every start (bench/FINDINGS.md). This swaps the module's export for one that
 * compiles on the first `validate()`, so the compile happens exactly when EOV checks a spec, as before; the build's
 * check (scripts/build-spec-cache.mjs) uses the original. Item 10 of eov-internals.ts.
 */
export function compileSpecCheckOnUse(): void {
  const fromEov = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
  const library = fromEov('./framework/openapi.schema.validator') as SpecCheckModule;
  const Compiled = library.OpenAPISchemaValidator;
  if (deferred.has(Compiled)) return;
  class CompiledOnUse implements SpecCheck {
    private compiled: SpecCheck | undefined;
    constructor(private readonly options: { version: string; validateApiSpec: boolean }) {}
    validate(document: unknown) {
      this.compiled ??= new Compiled(this.options);
      return this.compiled.validate(document);
    }
  }
  deferred.add(CompiledOnUse);
  library.OpenAPISchemaValidator = CompiledOnUse;
}
