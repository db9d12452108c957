import type { NezhaFault } from './dataset';

/** A fault chosen by its place in its day: `number` is 1-based in injection order. */
export interface NumberedFault {
  fault: NezhaFault;
  number: number;
}

const entryPattern = /^(\d{4}-\d{2}-\d{2})#(\d+)$/;

/**
 * The faults `LIVE_FAULTS` chooses (`2022-08-22#8,2022-08-22#13`: day and 1-based number in
 * the day's injection order, the report table's numbering on a one-day full run), per day of
 * `days` in injection order. A malformed entry, a day not replayed or a number the day does not
 * have is an error: a run that quietly replays less than was asked for would be misread.
 */
export function selectFaults(
  spec: string,
  days: readonly string[],
  faultsOf: (day: string) => readonly NezhaFault[],
): Map<string, NumberedFault[]> {
  const chosen = new Map<string, Set<number>>();
  for (const entry of spec.split(',').map((e) => e.trim())) {
    const match = entryPattern.exec(entry);
    if (!match) throw new Error(`LIVE_FAULTS entry "${entry}" is not <day>#<number>`);
    const [, day, numberText] = match as unknown as [string, string, string];
    if (!days.includes(day)) {
      throw new Error(`LIVE_FAULTS day ${day} is not replayed (days: ${days.join(', ')})`);
    }
    const count = faultsOf(day).length;
    const number = Number(numberText);
    if (number < 1 || number > count) {
      throw new Error(`LIVE_FAULTS ${entry}: ${day} has faults 1–${count}`);
    }
    chosen.set(day, (chosen.get(day) ?? new Set()).add(number));
  }
  const selection = new Map<string, NumberedFault[]>();
  for (const day of days) {
    const numbers = chosen.get(day);
    if (!numbers) continue;
    selection.set(
      day,
      faultsOf(day)
        .map((fault, i) => ({ fault, number: i + 1 }))
        .filter((f) => numbers.has(f.number)),
    );
  }
  return selection;
}
