// Writes each jest run's counts to <repo>/.test-results/<package>.json so that .ci/run can print
// one "N passed, M failed" line for the whole workspace.
const { mkdirSync, writeFileSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const RESULTS_DIR = join(__dirname, '..', '..', '.test-results');

module.exports = class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const { name } = JSON.parse(readFileSync(join(this.rootDir, 'package.json'), 'utf8'));
    mkdirSync(RESULTS_DIR, { recursive: true });
    const summary = {
      project: name,
      passed: results.numPassedTests,
      failed: results.numFailedTests,
      // a suite that cannot even run (syntax error, failing import) has no failed tests of its own
      brokenSuites: results.numRuntimeErrorTestSuites,
    };
    writeFileSync(join(RESULTS_DIR, `${name.replace(/[@/]/g, '_')}.json`), JSON.stringify(summary) + '\n');
  }
};
