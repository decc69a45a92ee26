import { readFileSync } from 'node:fs';
import { InvalidInputError } from '../core/errors';
import { parseScenario } from '../core/scenario/parseScenario';
import { runScenario } from '../core/scenario/runScenario';
import { formatTextReport } from '../core/scenario/textReport';
import { openPgliteFromTemplate } from '../db/template';

/** Exit codes of `run`: every expectation held / one failed (or a step could not run) / the scenario is invalid. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID = 2;

/** Output sinks, so tests can capture them. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * `run FILE [--json]`: validates the whole file, runs it headless on in-memory PGlite databases and prints the
 * report. Returns the exit code.
 */
export async function runCommand(file: string, options: { json: boolean }, io: CliIo): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    io.stderr(`Cannot read ${file}: ${(e as Error).message}\n`);
    return EXIT_INVALID;
  }
  try {
    const scenario = parseScenario(text, file);
    const result = await runScenario(scenario, { openDatabase: openPgliteFromTemplate });
    io.stdout(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatTextReport(result));
    return result.ok ? EXIT_OK : EXIT_FAILED;
  } catch (e) {
    if (InvalidInputError.is(e)) {
      io.stderr(`${e.message}\n`);
      return EXIT_INVALID;
    }
    throw e;
  }
}
