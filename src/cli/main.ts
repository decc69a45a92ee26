import { EXIT_INVALID, runCommand } from './runCommand';

/**
 * The headless runner: proves the core works without VS Code.
 *   node dist/cli.js run FILE.syncscenario.json [--json]
 */
const USAGE = `Usage: node dist/cli.js run FILE.syncscenario.json [--json]

  run     run a scenario headless and print the timeline, final state, conflicts and expectations
  --json  print one JSON object instead (deterministic: the same file gives byte-identical output)

Exit codes: 0 every expectation held, 1 one failed, 2 invalid scenario or usage.
`;

async function main(argv: string[]): Promise<number> {
  const io = { stdout: (t: string) => process.stdout.write(t), stderr: (t: string) => process.stderr.write(t) };
  const flags = argv.filter((a) => a.startsWith('--'));
  const args = argv.filter((a) => !a.startsWith('--'));
  if (flags.includes('--help') || args.length === 0) {
    io.stdout(USAGE);
    return args.length === 0 && !flags.includes('--help') ? EXIT_INVALID : 0;
  }
  const unknown = flags.filter((f) => f !== '--json');
  if (args[0] !== 'run' || args.length !== 2 || unknown.length) {
    io.stderr(`${unknown.length ? `Unknown option ${unknown[0]}` : `Unknown command line: ${argv.join(' ')}`}\n\n${USAGE}`);
    return EXIT_INVALID;
  }
  return runCommand(args[1]!, { json: flags.includes('--json') }, io);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`Internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 3;
  },
);
