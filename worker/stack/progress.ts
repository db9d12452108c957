import ora from 'ora';

export interface Progress {
  /** Runs one start-up step with a spinner; the step's return value becomes the success text. */
  step<T>(text: string, work: () => Promise<T>, done?: (result: T) => string): Promise<T>;
  info(text: string): void;
}

export function createProgress(): Progress {
  return {
    async step(text, work, done) {
      const spinner = ora({ text, stream: process.stdout }).start();
      try {
        const result = await work();
        spinner.succeed(done ? done(result) : text);
        return result;
      } catch (err) {
        spinner.fail(`${text}: failed`);
        throw err;
      }
    },
    info(text) {
      process.stdout.write(`  ${text}\n`);
    },
  };
}
