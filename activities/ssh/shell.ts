/**
 * Remote commands are argv arrays, never shell text: every element is single-quoted for the
 * remote login shell, so `; touch /tmp/pwned` arrives as one literal argument.
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error('arguments cannot contain NUL bytes');
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(argv: string[]): string {
  return argv.map(shellQuote).join(' ');
}

/**
 * Runs a command at most once per action id on the remote host. The first attempt claims
 * `<dir>/<id>` (mkdir is atomic) and starts the command detached from the SSH session, so a
 * dropped connection (a crashed worker) does not stop it; any later attempt attaches to the
 * same run and waits for its exit status instead of starting another. Output: a header line
 * `started|attached <stdout bytes> <stderr bytes>`, then stdout (stderr on stderr), each cut to
 * the cap; the exit status is the command's. Markers older than a week are cleared on the way.
 * Positional parameters: marker dir, action id, timeout seconds, output cap bytes, argv….
 */
const runOnceScript = `set -u
dir=$1 id=$2 secs=$3 max=$4
shift 4
d=$dir/$id
mkdir -p "$dir" || exit 97
find "$dir" -mindepth 1 -maxdepth 1 -mtime +7 -exec rm -rf {} + 2>/dev/null
if mkdir "$d" 2>/dev/null; then
  state=started
  nohup setsid sh -c 'd=$1; shift; timeout -k 5 "$@" >"$d/out" 2>"$d/err" </dev/null; echo $? >"$d/exit.tmp"; mv "$d/exit.tmp" "$d/exit"' sh "$d" "$secs" "$@" >/dev/null 2>&1 </dev/null &
else
  state=attached
fi
while [ ! -e "$d/exit" ]; do sleep 0.2; done
echo "$state $(wc -c <"$d/out") $(wc -c <"$d/err")"
head -c "$max" "$d/out"
head -c "$max" "$d/err" >&2
exit "$(cat "$d/exit")"`;

export function runOnceCommand(opts: {
  markerDir: string;
  id: string;
  timeoutSeconds: number;
  maxOutputBytes: number;
  argv: string[];
}): string {
  if (!/^[A-Za-z0-9_-]+$/.test(opts.id)) throw new Error(`unsafe marker id ${opts.id}`);
  return commandLine([
    'sh',
    '-c',
    runOnceScript,
    'aiops-run-once',
    opts.markerDir,
    opts.id,
    String(Math.max(1, Math.floor(opts.timeoutSeconds))),
    String(opts.maxOutputBytes),
    ...opts.argv,
  ]);
}
