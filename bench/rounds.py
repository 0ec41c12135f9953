"""Merges bench/run_jobs.sh's rounds: the first round's full report, each round's throughput
against Celery's next to it, and the median of those ratios."""
import json
import os
import statistics
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    work, rounds = sys.argv[1], int(sys.argv[2])
    out = load(os.path.join(work, "round1.json"))
    if "celery" not in out:
        print(json.dumps(out, indent=2))
        return
    pairs = [(out["studyforge"]["throughput"], out["celery"]["default"])]
    for r in range(2, rounds + 1):
        ours, celery = os.path.join(work, "round%d.json" % r), os.path.join(work, "celery%d.json" % r)
        if os.path.exists(ours) and os.path.exists(celery):
            pairs.append((load(ours)["studyforge"]["throughput"], load(celery)["default"]))
    out["rounds"] = [{"studyforge_jobs_per_s": o["jobs_per_s"], "celery_default_jobs_per_s": c["jobs_per_s"],
                      "ratio": o["jobs_per_s"] / c["jobs_per_s"], "studyforge_cpu_ms_per_job": o.get("cpu_ms_per_job")}
                     for o, c in pairs]
    out["median_ratio_throughput_vs_celery_default"] = statistics.median(r["ratio"] for r in out["rounds"])
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
