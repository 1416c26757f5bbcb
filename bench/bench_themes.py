"""Themes over 100,000 survey comments: fairdesk beside what a user would otherwise pick.

Run by hand:  .venv/bin/python bench/bench_themes.py [--comments 100000] [--themes 4]

Data: seeded synthetic comments with planted themes (``tests/feedback/themes/synthetic.py``):
each mixes two to four words of its theme with everyday words in a random order and frame,
so a method must find themes from shared vocabulary. The planted theme of every comment is
known, so each method is also scored by the adjusted Rand index (ARI) against it.

Timed, each in a fresh child process so its peak memory (max RSS) is its own:

* **fairdesk build**: ``fairdesk themes build`` as the CLI runs it - read the comments from a
  SQLite database, fit the ``ThemeModel`` (TF-IDF words and pairs, LSA, k chosen by
  silhouette over 2..12, k-means), recognise earlier themes, pick masked quotes, write
  100,000 memberships, commit. Run twice: the second is a rebuild that keeps every theme.
* **fairdesk estimator**: ``ThemeModel().fit`` alone on the texts in memory (no database).
* **LDA**: scikit-learn's ``LatentDirichletAllocation`` on a raw ``CountVectorizer`` (English
  stop words), told the true number of themes (fairdesk has to find it), online learning;
  a comment's theme is its most probable topic.
* **k-means on counts**: scikit-learn ``MiniBatchKMeans`` on the raw ``CountVectorizer``
  matrix, also told the true k: what "cluster the comments" gives without TF-IDF or LSA.

gensim is not installed in this environment and nothing may be downloaded, so it is not
compared. Every method runs on one BLAS/OpenMP thread (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SEED = 2026
T0 = datetime(2026, 1, 5, tzinfo=UTC)


def _corpus(n: int, themes: int) -> tuple[list[str], list[int]]:
    from tests.feedback.themes.synthetic import planted_corpus

    return planted_corpus(n, seed=SEED, themes=themes)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _seed_db(path: Path, texts: list[str]) -> None:
    """Customers, survey invitations and answers bulk-inserted into a fresh SQLite file."""
    from sqlalchemy import insert

    from fairdesk.customers.models import Customer
    from fairdesk.db.migrate import upgrade
    from fairdesk.db.session import build_engine, unit_of_work
    from fairdesk.feedback.surveys.models import (
        SurveyAnswer,
        SurveyForm,
        SurveyInvitation,
        SurveyKind,
    )

    engine = build_engine(f"sqlite:///{path}")
    upgrade(engine)
    n_customers = max(1, len(texts) // 4)
    with unit_of_work(engine) as session:
        session.execute(insert(Customer), [
            {"id": i + 1, "external_id": f"B{i}", "email": f"c{i}@example.com"}
            for i in range(n_customers)])  # fmt: skip
        form = SurveyForm(kind=SurveyKind.TICKET, title="t", questions=["comment"])
        session.add(form)
        session.flush()
        at = [T0 + timedelta(minutes=5 * i) for i in range(len(texts))]
        session.execute(insert(SurveyInvitation), [
            {"id": i + 1, "form_id": form.id, "kind": "ticket",
             "customer_id": i % n_customers + 1, "nonce": f"{i:032x}", "status": "answered",
             "questions": ["comment"], "sent_at": at[i], "expires_at": at[i] + timedelta(7)}
            for i in range(len(texts))])  # fmt: skip
        session.execute(insert(SurveyAnswer), [
            {"invitation_id": i + 1, "customer_id": i % n_customers + 1, "comment": text,
             "reasons": [], "answered_at": at[i], "updated_at": at[i]}
            for i, text in enumerate(texts)])  # fmt: skip
    engine.dispose()


def _run_build(args: argparse.Namespace) -> dict[str, Any]:
    from sklearn.metrics import adjusted_rand_score
    from sqlalchemy import select

    import fairdesk.db.registry  # noqa: F401  (every table known, as in the CLI)
    from fairdesk.db.base import utcnow
    from fairdesk.db.session import build_engine, unit_of_work
    from fairdesk.feedback.themes import build as themes_build
    from fairdesk.feedback.themes.models import ThemeMembership

    texts, truth = _corpus(args.comments, args.themes)
    engine = build_engine(f"sqlite:///{args.db}")
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        with unit_of_work(engine) as session:
            report = themes_build.build(session, now=utcnow(), backend="tfidf")
        timings.append(time.perf_counter() - start)
    with unit_of_work(engine) as session:
        placed = dict(
            session.execute(select(ThemeMembership.source_id, ThemeMembership.theme_id)).all()
        )
    labels = [placed.get(i + 1, -1) for i in range(len(texts))]
    return {
        "seconds": round(timings[0], 1),
        "rebuild_seconds": round(timings[1], 1),
        "k": report.k,
        "themes": report.themes,
        "new_on_rebuild": report.new,
        "ari": round(adjusted_rand_score(truth, labels), 3),
        "peak_mib": _peak_mib(),
    }


def _run_estimator(args: argparse.Namespace) -> dict[str, Any]:
    from sklearn.metrics import adjusted_rand_score

    from fairdesk.feedback.themes.estimator import ThemeModel

    texts, truth = _corpus(args.comments, args.themes)
    start = time.perf_counter()
    model = ThemeModel(backend="tfidf").fit(texts)
    seconds = time.perf_counter() - start
    return {
        "seconds": round(seconds, 1),
        "k": model.k_,
        "ari": round(adjusted_rand_score(truth, model.labels_), 3),
        "peak_mib": _peak_mib(),
        "top_terms": [t[:3] for t in model.top_terms_],
    }


def _run_lda(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.metrics import adjusted_rand_score

    texts, truth = _corpus(args.comments, args.themes)
    start = time.perf_counter()
    counts = CountVectorizer(stop_words="english").fit(texts)
    matrix = counts.transform(texts)
    lda = LatentDirichletAllocation(
        args.themes, learning_method="online", batch_size=4_096, random_state=0
    ).fit(matrix)
    labels = lda.transform(matrix).argmax(axis=1)
    seconds = time.perf_counter() - start
    words = np.asarray(counts.get_feature_names_out())
    top = [words[np.argsort(-row)[:3]].tolist() for row in lda.components_]
    return {
        "seconds": round(seconds, 1),
        "k": args.themes,
        "ari": round(adjusted_rand_score(truth, labels), 3),
        "peak_mib": _peak_mib(),
        "top_terms": top,
    }


def _run_kmeans(args: argparse.Namespace) -> dict[str, Any]:
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.metrics import adjusted_rand_score

    texts, truth = _corpus(args.comments, args.themes)
    start = time.perf_counter()
    matrix = CountVectorizer().fit_transform(texts)
    labels = MiniBatchKMeans(args.themes, batch_size=4_096, n_init=3, random_state=0).fit_predict(
        matrix
    )
    seconds = time.perf_counter() - start
    return {
        "seconds": round(seconds, 1),
        "k": args.themes,
        "ari": round(adjusted_rand_score(truth, labels), 3),
        "peak_mib": _peak_mib(),
    }


RUNNERS = {"build": _run_build, "estimator": _run_estimator, "lda": _run_lda,
           "kmeans": _run_kmeans}  # fmt: skip


def _child(method: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--child",
        method,
        "--comments",
        str(args.comments),
        "--themes",
        str(args.themes),
        "--db",
        str(args.db),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{method} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--themes", type=int, default=4)
    parser.add_argument("--child", choices=sorted(RUNNERS))
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument(
        "--methods",
        default="build,estimator,lda,kmeans",
        help="comma-separated subset of build, estimator, lda, kmeans",
    )
    args = parser.parse_args()
    if args.child:
        print(json.dumps(RUNNERS[args.child](args)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        args.db = Path(tmp) / "themes.db"
        start = time.perf_counter()
        _seed_db(args.db, _corpus(args.comments, args.themes)[0])
        print(f"seeded {args.comments:,} comments in {time.perf_counter() - start:.1f} s")
        print(
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        for method in args.methods.split(","):
            print(method, json.dumps(_child(method, args)), flush=True)


if __name__ == "__main__":
    main()
