/**
 * `latch users import <file>`: runs the importer against the configured database with a progress
 * display, writes rejected rows to a JSON lines file and prints a summary. Exit code 0 when every row
 * was imported or already there, 1 when some were rejected (the rest are imported), 2 on bad arguments.
 */
import { closeSync, existsSync, openSync, rmSync, writeSync } from 'node:fs';
import type { Services } from '../../../server.js';
import { type ImportFormat, importUsersFromFile } from './importer.js';
import { type ProgressSink, createProgressReporter, summaryLines } from './progress.js';

export interface UsersImportArgs {
  file: string;
  format?: ImportFormat;
  rejects?: string;
  batchSize?: number;
  applyRestrictions?: boolean;
}

type Out = (line: string) => void;

export async function runUsersImport(services: Pick<Services, 'storage' | 'access'>, args: UsersImportArgs, out: Out, err: Out, sink: ProgressSink): Promise<number> {
  if (!existsSync(args.file)) {
    err(`latch: no such file: ${args.file}`);
    return 2;
  }
  const rejectsPath = args.rejects ?? `${args.file}.rejects.jsonl`;
  // A previous run's rejects file would describe rows this run may have imported.
  rmSync(rejectsPath, { force: true });
  let fd: number | null = null;
  const reporter = createProgressReporter(sink);
  try {
    const summary = await importUsersFromFile(
      { db: services.storage.db, dialect: services.storage.dialect, admit: (ids) => services.access.assertSignUpAllowed(ids) },
      args.file,
      {
        ...(args.format ? { format: args.format } : {}),
        ...(args.batchSize ? { batchSize: args.batchSize } : {}),
        applyRestrictions: args.applyRestrictions === true,
        onProgress: (p) => reporter.update(p),
        onReject: (r) => {
          fd ??= openSync(rejectsPath, 'w');
          writeSync(fd, `${JSON.stringify(r)}\n`);
        },
      },
    );
    reporter.done();
    for (const line of summaryLines(args.file, summary, rejectsPath)) out(line);
    return summary.rejected ? 1 : 0;
  } catch (e) {
    reporter.done();
    err(`latch: import stopped: ${(e as Error).message}`);
    err('Rows written before this point are kept; run the same command again to continue (existing users are skipped).');
    return 1;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
