"""What `aiops logs mine FILE` does, done by Drain3 (TemplateMiner() defaults, no masking), for
bench/logs.ts to time as a whole process beside ours: mine every line of FILE, then print
"<cluster id>\t<template>" per line with the line's final template.
"""

import sys

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig


def main():
    miner = TemplateMiner(config=TemplateMinerConfig())
    with open(sys.argv[1], encoding="utf-8") as lines:
        ids = [miner.add_log_message(line.rstrip("\n"))["cluster_id"] for line in lines]
    clusters = miner.drain.id_to_cluster
    sys.stdout.write("".join(f"{i}\t{clusters[i].get_template()}\n" for i in ids))


if __name__ == "__main__":
    main()
