"""Runs Drain3 with its default settings for bench/logs.ts.

Reads a JSON array of log lines on stdin. Mines them once for the groups, then times RUNS
runs (argv[1]), each mining the lines repeatedly for at least MIN_SECONDS (argv[2]) of CPU,
always with a fresh TemplateMiner built from TemplateMinerConfig() defaults (no masking,
no drain3.ini). Writes {"groups": [cluster id per line], "linesPerSecond": median over runs
of lines per CPU second}.
"""

import json
import statistics
import sys
import time

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig


def mine(lines):
    miner = TemplateMiner(config=TemplateMinerConfig())
    return [miner.add_log_message(line)["cluster_id"] for line in lines]


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    min_seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 0.25
    lines = json.load(sys.stdin)
    groups = mine(lines)
    rates = []
    for _ in range(runs):
        started = time.process_time()
        seconds = 0.0
        mined = 0
        while seconds < min_seconds:
            mine(lines)
            mined += len(lines)
            seconds = time.process_time() - started
        rates.append(mined / seconds)
    json.dump({"groups": groups, "linesPerSecond": statistics.median(rates)}, sys.stdout)


if __name__ == "__main__":
    main()
