// Mocha reporter for scripts/test.sh: mocha's spec output, plus {passes, failures, pending} written to the file
// named by $SYNC_PLAYGROUND_RESULTS (mocha runs one reporter at a time, so this one does both).
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

const { EVENT_RUN_END } = Mocha.Runner.constants;

class CountsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const file = process.env.SYNC_PLAYGROUND_RESULTS;
    if (!file) return;
    runner.once(EVENT_RUN_END, () => {
      const { passes = 0, failures = 0, pending = 0 } = runner.stats ?? {};
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ passes, failures, pending }) + '\n');
    });
  }
}

module.exports = CountsReporter;
