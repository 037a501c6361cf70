/** `neurite board <logdir>`: serves the training dashboard for a log folder until interrupted. */
import type { Command, ParsedArgs } from '../command.js';
import { numberFlag, stringFlag } from '../command.js';
import { requireReadable } from '../errors.js';
import { note, out } from '../util.js';

async function run(args: ParsedArgs): Promise<number> {
  const logDir = args.positionals[0];
  const port = numberFlag(args, 'port', { min: 0, max: 65535 }) ?? 6006;
  const host = stringFlag(args, 'host') ?? '127.0.0.1';
  await requireReadable(logDir, 'log folder', 'dir');
  const { startBoard } = await import('../../board/server.js');
  const board = await startBoard({ logDir, host, port });
  out(board.url);
  note(`serving ${logDir} at ${board.url} (Ctrl+C to stop)`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await board.close();
  return 0;
}

/** The `board` command. */
export const boardCommand: Command = {
  name: 'board',
  summary: 'serve the training dashboard for a log folder (like TensorBoard)',
  usage: ['<logdir> [--port N] [--host HOST]'],
  description:
    'Starts the dashboard server on <logdir>, the folder TrainingMonitor callbacks write their runs\n' +
    'into (one sub-folder per run, updated live), prints its URL on stdout and serves until Ctrl+C\n' +
    '(SIGINT) or SIGTERM, then exits with 0. --port 0 picks a free port.',
  options: {
    port: { type: 'string', short: 'p', value: 'N', help: 'the port to listen on', default: '6006' },
    host: { type: 'string', value: 'HOST', help: 'the address to listen on (0.0.0.0 for every interface)', default: '127.0.0.1' },
  },
  args: { min: 1, max: 1, names: '<logdir>' },
  examples: ['logs/', 'logs/ --port 8080 --host 0.0.0.0'],
  run,
};
