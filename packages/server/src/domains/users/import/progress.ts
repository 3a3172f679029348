/**
 * How `latch users import` shows its progress: a redrawn bar with count, rate and ETA on a terminal,
 * plain progress lines (at most one every few seconds) when the output is a file or a pipe.
 */
import type { ImportProgress, ImportSummary } from './importer.js';

/** Where progress goes: a terminal or anything else with `write`. */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** `1h 02m`, `3m 07s`, `12s`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

function figures(p: ImportProgress) {
  const fraction = p.totalBytes ? Math.min(1, p.bytesRead / p.totalBytes) : 0;
  const rate = p.elapsedMs > 0 ? (p.read / p.elapsedMs) * 1000 : 0;
  const eta = fraction > 0.001 ? (p.elapsedMs / fraction) * (1 - fraction) : NaN;
  return { fraction, rate, eta };
}

/** A progress reporter; call `update` as often as you like, `done` once at the end. */
export function createProgressReporter(sink: ProgressSink, plainEveryMs = 5000) {
  let last = 0;
  let drawn = false;
  return {
    update(p: ImportProgress): void {
      const now = p.elapsedMs;
      const { fraction, rate, eta } = figures(p);
      const etaText = Number.isFinite(eta) ? duration(eta) : '…';
      if (sink.isTTY) {
        if (drawn && now - last < 100) return;
        last = now;
        drawn = true;
        const width = Math.max(10, Math.min(40, (sink.columns ?? 80) - 70));
        const full = Math.round(fraction * width);
        const bar = `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
        sink.write(`\r${bar} ${(fraction * 100).toFixed(1).padStart(5)}%  ${n(p.read)} rows  ${n(rate)}/s  ETA ${etaText}  (${n(p.rejected)} rejected)\x1b[K`);
        return;
      }
      if (now - last < plainEveryMs) return;
      last = now;
      sink.write(
        `progress: ${n(p.read)} rows (${(fraction * 100).toFixed(1)}%), ${n(p.created)} created, ${n(p.existing)} already there, ${n(p.rejected)} rejected, ${n(rate)} rows/s, ETA ${etaText}\n`,
      );
    },
    done(): void {
      if (sink.isTTY && drawn) sink.write('\n');
    },
  };
}

/** The closing lines of an import. */
export function summaryLines(file: string, s: ImportSummary, rejectsPath: string | null): string[] {
  const rate = s.elapsedMs > 0 ? (s.read / s.elapsedMs) * 1000 : 0;
  const lines = [
    `Imported ${file} (${s.format}) in ${duration(s.elapsedMs)}: ${n(s.read)} rows read, ${n(s.created)} users created, ${n(s.existing)} already there, ${n(s.rejected)} rejected (${n(rate)} rows/s).`,
  ];
  if (s.rejected && rejectsPath) lines.push(`Rejected rows, each with its line number and reason: ${rejectsPath}`);
  return lines;
}
