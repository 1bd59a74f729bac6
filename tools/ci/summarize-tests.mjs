// Prints the workspace's test totals as one plain line, "N passed, M failed", from the files
// tools/jest/summary-reporter.cjs wrote. A failed build, lint, typecheck or format step (exit
// status of the test command) counts as one failure when no test failed.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [dir = '.test-results', statusArg = '0'] = process.argv.slice(2);
const status = Number(statusArg);
let passed = 0;
let failed = 0;
if (existsSync(dir)) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const result = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    passed += result.passed;
    failed += result.failed + result.brokenSuites;
    console.log(`${result.project}: ${result.passed} passed, ${result.failed + result.brokenSuites} failed`);
  }
}
if (status !== 0 && failed === 0) {
  console.log(
    'The test command failed outside jest (build, lint, typecheck or format): counted as 1 failure.',
  );
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(status !== 0 || failed > 0 ? 1 : 0);
