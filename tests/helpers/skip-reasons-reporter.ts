import type { Reporter, TestCase, TestModule, TestSuite, Vitest } from 'vitest/node';

/**
 * The default reporter shows a skipped file as "↓ tests/x.test.ts (6 skipped)" and nothing more, so a reader
 * cannot tell what would run it. Skipped suites and tests here say why in their names ("… (set TEST_DATABASE_URL
 * and TEST_REDIS_URL to run)"); this reporter lists those names after the run. Quiet under `-t`, where everything
 * filtered out counts as skipped.
 */
export default class SkipReasonsReporter implements Reporter {
  private filtered = false;

  onInit(vitest: Vitest): void {
    this.filtered = Boolean(vitest.config.testNamePattern);
  }

  onTestRunEnd(testModules: readonly TestModule[]): void {
    if (this.filtered) return;
    const lines = testModules.flatMap((module) =>
      topmostSkipped(module).map((entry) => `  ${module.project.name}  ${module.relativeModuleId}  ${entry.name}`),
    );
    if (lines.length > 0) process.stdout.write(`\n Skipped, and why:\n${lines.join('\n')}\n`);
  }
}

/** A skipped suite stands for everything in it; a skipped test in a suite that ran stands for itself. */
function topmostSkipped(parent: TestModule | TestSuite): (TestSuite | TestCase)[] {
  const found: (TestSuite | TestCase)[] = [];
  for (const child of parent.children) {
    const skipped = child.type === 'suite' ? child.state() === 'skipped' : child.result().state === 'skipped';
    if (skipped) found.push(child);
    else if (child.type === 'suite') found.push(...topmostSkipped(child));
  }
  return found;
}
