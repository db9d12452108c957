/**
 * Runs a detector over every NAB data file exactly as `aiops detect score` would: the file's
 * text goes line by line through the CLI's CSV scorer and the anomaly_score column is read back
 * from its output, so the bench measures what the command emits (including its rounding).
 */
import { readFileSync } from 'node:fs';
import type { StreamingDetector } from '../../detectors/anomaly/types';
import { createCsvScorer } from '../../worker/commands/detect';
import type { DataFile } from './corpus';
import type { DetectorScores } from './scorer';

export interface CorpusRun {
  readonly scores: DetectorScores;
  readonly points: number;
  /** Wall time spent scoring (reading files excluded). */
  readonly seconds: number;
  /** CPU time of this process over the same span: steadier than wall time on a busy host. */
  readonly cpuSeconds: number;
}

/** Scores one CSV text; returns the anomaly_score column. */
export function scoreCsvText(text: string, detector: StreamingDetector<number>): number[] {
  const score = createCsvScorer(detector);
  const scores: number[] = [];
  let header = true;
  text.split('\n').forEach((line, i) => {
    const out = score(line, i + 1);
    if (out === null) return;
    if (!header) scores.push(Number(out.slice(out.lastIndexOf(',') + 1)));
    header = false;
  });
  return scores;
}

export function runOnCorpus(
  corpus: readonly DataFile[],
  makeDetector: () => StreamingDetector<number>,
): CorpusRun {
  const texts = corpus.map((f) => readFileSync(f.path, 'utf8'));
  const scores = new Map<string, number[]>();
  let points = 0;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  corpus.forEach((file, i) => {
    const s = scoreCsvText(texts[i] as string, makeDetector());
    if (s.length !== file.timestamps.length) {
      throw new Error(
        `${file.relativePath}: ${s.length} scores for ${file.timestamps.length} rows`,
      );
    }
    scores.set(file.relativePath, s);
    points += s.length;
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return { scores, points, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
