"""Turn public benchmarks into a corpus (JSON lines of articles) plus a QA file in our format.

The benchmark data is read where it lies (e.g. ../shared/eval) and written to an output folder of
the user's choosing; nothing of it belongs in the repository.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import urlsplit

from rag.corpus import canonical_url, normalise_date
from rag.errors import InputError

# RealTime QA's splits (its README in shared/eval): tune on dev, report on test. "paper" is the range of
# the published baselines (519 questions, overlapping dev), for a like-for-like comparison only.
REALTIMEQA_SPLITS = {"dev": ("20220617", "20220930"), "test": ("20221007", "20221111"),
                     "paper": ("20220617", "20221014"), "all": ("0", "9")}


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def realtimeqa(source: Path, out: Path, split: str = "test") -> tuple[Path, Path]:
    """Corpus: every non-empty gold article and every retrieved article of all weeks, one per URL.
    QA: the split's questions, the gold answer being the text of the gold choice."""
    folder = Path(source) / "past" / "2022"
    if not folder.is_dir():
        raise InputError(f"{source} is not RealTime QA (no past/2022/ folder): point at realtimeqa-2022/")
    if split not in REALTIMEQA_SPLITS:
        raise InputError(f"unknown split '{split}': use dev, test, paper or all")
    first, last = REALTIMEQA_SPLITS[split]
    articles: dict[str, dict] = {}
    titles: dict[str, str] = {}

    def add(hit: dict) -> str:
        url = canonical_url(hit.get("url") or "")
        text = (hit.get("text") or "").strip()
        if url and hit.get("title"):
            titles.setdefault(url, hit["title"].strip())
        if url and text and url not in articles:
            articles[url] = {"url": url, "text": text, "date": normalise_date(hit.get("publish_date")),
                             "source": url.split("/")[2] if "//" in url else ""}
        return url

    for gcs in sorted(folder.glob("*_gcs.jsonl.gz")):
        with gzip.open(gcs, "rt", encoding="utf-8") as lines:
            for line in lines:
                for hit in json.loads(line).get("search_result") or []:
                    add(hit)
    questions = []
    for qa_file in sorted(folder.glob("2022????_qa.jsonl")):
        week = qa_file.name[:8]
        gold_file = qa_file.with_name(f"{week}_gold.jsonl")
        golds = {}
        if gold_file.exists():
            for line in gold_file.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                golds[record["question_id"]] = [add(hit) for hit in record.get("search_result") or []
                                                if (hit.get("text") or "").strip()]
        if not first <= week <= last:
            continue
        for line in qa_file.read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            choices = [str(c) for c in q["choices"]]
            questions.append({"id": q["question_id"], "question": q["question_sentence"],
                              "answer": choices[int(q["answer"][0])], "choices": choices,
                              "gold": [u for u in golds.get(q["question_id"], []) if u],
                              "category": q.get("question_source", ""), "date": q.get("question_date", "")})
    for url, article in articles.items():
        article["title"] = titles.get(url) or title_from_url(url) or article["text"].split("\n")[0][:120]
    corpus = _write_jsonl(Path(out) / "corpus" / "realtimeqa-articles.jsonl", list(articles.values()))
    qa = _write_jsonl(Path(out) / f"realtimeqa-{split}.jsonl", questions)
    return corpus, qa


def title_from_url(url: str) -> str:
    """A news address's slug as a title (".../2022/06/12/media/squid-game-season-2/index.html" gives
    "Squid game season 2"), "" when it has none. RealTime QA's gold articles come without a title, and
    their first line is a dateline ("Washington CNN —"), which would be embedded and matched as one."""
    for part in reversed([p for p in urlsplit(url).path.split("/") if p]):
        stem = part.rsplit(".", 1)[0]
        if stem.count("-") >= 2 and not stem.replace("-", "").isdigit():
            return stem.replace("-", " ").capitalize()
    return ""


def rgb(source: Path, out: Path, unanswerable: bool = False) -> tuple[Path, Path]:
    """Corpus: every positive and negative passage (one article each, deduplicated by text).
    QA: the questions, gold being the question's positive passages. With ``unanswerable``, every
    second question's positive passages are left out of the corpus and it becomes ``answerable: false``
    (its negatives stay, so the corpus still talks about its topic without saying the answer)."""
    data = Path(source) / "data" / "en_fact.json"
    if not data.is_file():
        raise InputError(f"{source} is not RGB (no data/en_fact.json): point at rgb-en-fact/")
    passages: dict[str, str] = {}  # text -> url
    questions = []
    for number, line in enumerate(data.read_text(encoding="utf-8").splitlines()):
        q = json.loads(line)
        answerable = not (unanswerable and number % 2)
        gold = []
        hidden = set() if answerable else {t.strip() for t in q["positive"]}  # RGB repeats some in negatives
        for kind in ("positive", "negative") if answerable else ("negative",):
            for i, text in enumerate(q[kind]):
                text = text.strip()
                if text and text not in passages and text not in hidden:
                    passages[text] = f"rgb://{q['id']}/{kind}/{i}"
                if kind == "positive" and text:
                    gold.append(passages[text])
        answer = q["answer"]
        answers = [a for part in answer for a in (part if isinstance(part, list) else [part])] \
            if isinstance(answer, list) else [answer]
        questions.append({"id": str(q["id"]), "question": q["query"], "answer": answers if answerable else [],
                          "gold": gold, "answerable": answerable, "category": "rgb-en" if answerable
                          else "rgb-en-unanswerable"})
    rows = [{"title": text[:80], "text": text, "url": url} for text, url in passages.items()]
    name = "rgb-en-unanswerable" if unanswerable else "rgb-en"
    corpus = _write_jsonl(Path(out) / "corpus" / f"{name}-passages.jsonl", rows)
    qa = _write_jsonl(Path(out) / f"{name}.jsonl", questions)
    return corpus, qa
