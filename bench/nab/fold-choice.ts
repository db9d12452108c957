/**
 * What each fold of bench:nab's headline saw when it chose its setting (standard profile): for
 * every setting of the grid, the score each of the other categories gets at the threshold the
 * remaining ones pick (the inner held-out parts the choice sums), beside what the setting then
 * scores on the category left out. Prints to the console only. Run:
 * `npx tsx bench/nab/fold-choice.ts`.
 */
import { DEFAULT_ENSEMBLE_CONFIG } from '../../detectors/anomaly/config';
import { EnsembleDetector } from '../../detectors/anomaly/ensemble';
import { loadCorpus, loadProfiles, loadPublishedScores } from './corpus';
import { runOnCorpus } from './harness';
import { categoryOf, heldOutParts, leaveOneCategoryOut, type Candidate } from './leave-one-out';
import { settingGrid } from './settings';

function main(): void {
  const corpus = loadCorpus();
  const standard = loadProfiles().standard;
  if (standard === undefined) throw new Error('no standard profile');
  const nullScores = new Map(
    corpus.map((f) => [f.relativePath, loadPublishedScores('null', f.relativePath)]),
  );
  const candidates: Candidate[] = settingGrid(DEFAULT_ENSEMBLE_CONFIG).map((s) => ({
    name: s.name,
    scores: runOnCorpus(corpus, () => new EnsembleDetector(s.config)).scores,
  }));
  const leftOut = new Map(
    candidates.map((c) => [c.name, leaveOneCategoryOut(corpus, { standard }, nullScores, [c])]),
  );
  for (const category of [...new Set(corpus.map(categoryOf))]) {
    const rest = corpus.filter((f) => categoryOf(f) !== category);
    console.log(`\n${category} left out: setting | inner total | inner parts | left out`);
    const rows = candidates.map((c) => {
      const parts = heldOutParts(rest, c, standard);
      const outer = leftOut.get(c.name)?.categories.find((r) => r.category === category)
        ?.leftOut.standard;
      return { c, parts, total: parts.reduce((sum, p) => sum + p.raw, 0), outer };
    });
    rows.sort((a, b) => b.total - a.total);
    for (const { c, parts, total, outer } of rows) {
      const inner = parts
        .map((p) => `${p.category} ${p.raw.toFixed(2)} @${p.threshold.toFixed(4)}`)
        .join(', ');
      const score = outer === undefined ? '' : (outer.normalized ?? outer.raw).toFixed(2);
      console.log(
        `${c.name} | ${total.toFixed(2)} | ${inner} | ${score} @${outer?.threshold.toFixed(4)}`,
      );
    }
  }
}

main();
