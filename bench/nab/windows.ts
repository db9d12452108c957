/**
 * Where the shipped ensemble's NAB points go at the threshold NAB's optimiser picks on the whole
 * corpus (standard profile): every label window with its first alert (how far into the window,
 * what NAB pays, which member read the point rarest), every false alarm with its member, and the
 * totals. Prints to the console only. Run: `npx tsx bench/nab/windows.ts`.
 */
import { createDetector } from '../../detectors/anomaly/config';
import type { MemberName } from '../../detectors/anomaly/ensemble';
import { loadCorpus, loadProfiles } from './corpus';
import { scoreCsvText } from './harness';
import { readFileSync } from 'node:fs';
import { optimizeThreshold } from './scorer';
import { summarize, windowReport, type WindowReport } from './window-report';

/** The member whose reading was the rarest at a point, with that reading. */
function raisedBy(readings: Partial<Record<MemberName, number>>): string {
  let best: [string, number] = ['none', 0];
  for (const [name, reading] of Object.entries(readings)) {
    if (reading !== undefined && reading > best[1]) best = [name, reading];
  }
  return `${best[0]} ${best[1].toFixed(2)}`;
}

function main(): void {
  const corpus = loadCorpus();
  const standard = loadProfiles().standard;
  if (standard === undefined) throw new Error('no standard profile');
  const scores = new Map<string, number[]>();
  const members = new Map<string, string[]>();
  for (const file of corpus) {
    const detector = createDetector();
    const who: string[] = [];
    const scoring = {
      score: (x: number): number => {
        const alert = detector.score(x);
        who.push(raisedBy(detector.readings()));
        return alert;
      },
      exportState: () => detector.exportState(),
      importState: () => undefined,
    };
    scores.set(file.relativePath, scoreCsvText(readFileSync(file.path, 'utf8'), scoring));
    members.set(file.relativePath, who);
  }
  const { threshold } = optimizeThreshold(corpus, scores, standard);
  const reports: WindowReport[] = corpus.map((f) =>
    windowReport(f, scores.get(f.relativePath) as number[], threshold, standard),
  );
  const member = (file: string, row: number): string => members.get(file)?.[row] ?? '';
  console.log(`threshold ${threshold.toFixed(4)} (in-sample, standard profile)`);
  console.log('file | window rows | first alert (share of window) | earned | at middle | member');
  for (const w of reports.flatMap((r) => r.windows)) {
    const first =
      w.firstAlert === null
        ? 'missed'
        : `${w.firstAlert} (${(((w.firstAlert - w.left) / (w.right - w.left + 1)) * 100).toFixed(0)}%)`;
    const by = w.firstAlert === null ? '' : member(w.file, w.firstAlert);
    console.log(
      `${w.file} | ${w.left}–${w.right} | ${first} | ${w.earned.toFixed(2)} | ${w.atMiddle.toFixed(2)} | ${by}`,
    );
  }
  const falseAlarms = reports.flatMap((r) => r.falseAlarms);
  const byMember = new Map<string, number>();
  for (const f of falseAlarms) {
    const name = member(f.file, f.row).split(' ')[0] as string;
    byMember.set(name, (byMember.get(name) ?? 0) + 1);
  }
  for (const f of falseAlarms) {
    console.log(
      `false alarm ${f.file} row ${f.row} ${f.score.toFixed(2)} ${member(f.file, f.row)}`,
    );
  }
  const s = summarize(reports, standard.tpWeight);
  console.log(
    `${s.found} of ${s.windows} windows found, earning ${s.earnedFound.toFixed(2)}; lateness ` +
      `${(s.lateAtMiddle + s.lateAfterMiddle).toFixed(2)} (${s.lateAtMiddle.toFixed(2)} even at ` +
      `each window's middle, ${s.lateAfterMiddle.toFixed(2)} after it); ${s.missed} missed ` +
      `(−${(s.missed * standard.fnWeight).toFixed(2)}); ${s.falseAlarms} false alarms ` +
      `(${s.falseAlarmCost.toFixed(2)}; by member: ${[...byMember].map(([m, n]) => `${m} ${n}`).join(', ')})`,
  );
}

main();
