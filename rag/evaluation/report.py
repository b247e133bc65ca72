"""The report: report.json with every figure, report.html with plots and a browsable table."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display; must come before pyplot loads
import matplotlib.pyplot as plt

from rag.evaluation.runner import EvalReport

LABELS = {
    "questions": "questions", "errors": "errors", "with_gold_articles": "with gold articles",
    "hit@1": "retrieval hit@1", "hit@3": "retrieval hit@3", "hit@5": "retrieval hit@5",
    "hit@10": "retrieval hit@10", "mrr@10": "retrieval MRR@10", "recall@5": "recall@5",
    "recall@10": "recall@10", "exact_match": "answer exact match", "f1": "answer token F1",
    "choice_accuracy": "multiple-choice accuracy", "cited_gold_share": "cited passages from a gold article",
    "citations_hold_answer": "answers whose citations hold the gold answer",
    "refusal_rate_unanswerable": "refusal rate (unanswerable)", "false_refusal_rate": "false refusals (answerable)",
    "f1_answer_retrieved": "answer token F1, gold answer in the retrieved passages",
    "false_refusal_rate_answer_retrieved": "false refusals, gold answer in the retrieved passages",
    "pass_rate": "passed", "latency_p50_s": "latency p50 (s)", "latency_p95_s": "latency p95 (s)",
    "judge_faithfulness": "LLM judge: faithful to citations", "judge_correctness": "LLM judge: correct",
    "prompt_tokens": "LLM prompt tokens", "completion_tokens": "LLM completion tokens",
}


def fmt(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def plots(report: EvalReport) -> dict[str, str]:
    results = [r for r in report.results if not r.error]
    metrics = report.metrics
    out = {}
    fig, axes = plt.subplots(1, 2, figsize=(9, 3))
    axes[0].hist([r.f1 or 0.0 for r in results if r.answerable], bins=10, range=(0, 1), color="#4c78a8")
    axes[0].set(title="answer token F1", xlabel="F1", ylabel="questions")
    top = [r.sources[0]["score"] if r.sources else 0.0 for r in results]
    axes[1].hist(top, bins=10, range=(0, 1), color="#f58518")
    axes[1].set(title="score of the first cited passage", xlabel="cosine", ylabel="questions")
    out["Score distributions"] = _png(fig)

    fig, ax = plt.subplots(figsize=(5, 3))
    ks = list(range(1, 11))
    with_gold = [r for r in results if r.gold and r.answerable]
    curve = [sum(r.gold_rank is not None and r.gold_rank <= k for r in with_gold) / max(1, len(with_gold)) for k in ks]
    ax.plot(ks, curve, marker="o")
    ax.set(title=f"retrieval hit@k ({len(with_gold)} questions with gold)", xlabel="k", ylabel="hit rate", ylim=(0, 1))
    out["Hit@k"] = _png(fig)

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.hist([1000 * r.seconds for r in results], bins=20, color="#54a24b")
    ax.set(title=f"latency (p50 {1000 * metrics['latency_p50_s']:.0f} ms)", xlabel="ms", ylabel="questions")
    out["Latency"] = _png(fig)

    categories = report.by_category()
    all_mc = all(r.choices for r in results if r.answerable)
    key = "choice_accuracy" if all_mc and metrics.get("choice_accuracy") is not None else "pass_rate"
    fig, ax = plt.subplots(figsize=(max(4, len(categories) * 1.2), 3))
    ax.bar(list(categories), [c.get(key) or 0.0 for c in categories.values()], color="#b279a2")
    ax.set(title=f"{LABELS[key]} by category", ylim=(0, 1))
    out["By category"] = _png(fig)
    return out


def write(report: EvalReport, out_dir: Path) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = report.to_dict()
    json_path = out_dir / "report.json"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    html_path = out_dir / "report.html"
    html_path.write_text(render_html(report, data), encoding="utf-8")
    return json_path, html_path


def render_html(report: EvalReport, data: dict) -> str:
    e = html.escape
    ci = data["intervals"]
    summary = "".join(f"<tr><th>{e(LABELS.get(k, k))}</th><td>{fmt(v)}"
                      f"{f' [{ci[k][0]:.2f}, {ci[k][1]:.2f}]' if k in ci and v is not None else ''}</td></tr>"
                      for k, v in data["metrics"].items())
    cats = data["by_category"]
    cat_keys = ["questions", "hit@5", "mrr@10", "f1", "choice_accuracy", "false_refusal_rate", "pass_rate"]
    cat_table = "<tr><th>category</th>" + "".join(f"<th>{e(LABELS[k])}</th>" for k in cat_keys) + "</tr>" + "".join(
        f"<tr><td>{e(name)}</td>" + "".join(f"<td>{fmt(c.get(k))}</td>" for k in cat_keys) + "</tr>"
        for name, c in cats.items())
    curve = "<tr><th>confidence threshold</th><th>answerable answered</th><th>unanswerable refused</th>" \
        "<th>refusals that were right</th></tr>" + "".join(
            f"<tr><td>{c['threshold']:.2f}</td><td>{fmt(c['answered_answerable'])}</td>"
            f"<td>{fmt(c['refused_unanswerable'])}</td><td>{fmt(c['refusal_precision'])}</td></tr>"
            for c in data["refusal_curve"])
    images = "".join(f'<figure><img alt="{e(title)}" src="{src}"><figcaption>{e(title)}</figcaption></figure>'
                     for title, src in plots(report).items())
    rows = []
    for r in data["results"]:
        sources = "<br>".join(f"[{s['number']}] {e(s['title'])}" for s in r["sources"]) or "—"
        gold = " | ".join(e(a) for a in r["gold_answers"]) or "(unanswerable)"
        chosen = f"<br><i>choice:</i> {e(r['choices'][r['choice']])}" if r["choice"] is not None else ""
        mark = "✔" if r["passed"] else "✘"
        rows.append(f"<tr class=\"{'pass' if r['passed'] else 'fail'}\"><td>{mark}</td><td>{e(r['id'])}</td>"
                    f"<td>{e(r['question'])}</td><td>{e(r['error'] or r['answer'])}{chosen}</td><td>{gold}</td>"
                    f"<td>{sources}</td><td>{fmt(r['gold_rank'])}</td><td>{fmt(r['f1'])}</td>"
                    f"<td>{1000 * r['seconds']:.0f}</td></tr>")
    problems = "".join(f"<li>{e(p)}</li>" for p in report.problems)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Evaluation: {e(report.qa_file)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1400px}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top;font-size:14px}}
tr.fail td:first-child{{color:#b42318}} tr.pass td:first-child{{color:#067647}}
figure{{display:inline-block;margin:8px}}
</style></head><body>
<h1>Evaluation report</h1>
<p>QA file <code>{e(report.qa_file)}</code> · backend <b>{e(report.backend)}</b> · index {e(report.index)} ·
started {e(report.started)} · {report.seconds:.1f} s · {e(report.machine)}
{' · <b>interrupted: partial results</b>' if report.interrupted else ''}</p>
<p>configuration: {e(json.dumps(report.config))}</p>
<h2>Summary</h2><table id="summary">{summary}</table>
<h2>By category</h2><table id="categories">{cat_table}</table>
<h2>Plots</h2>{images}
{f'<h2>Answer or refuse: each confidence threshold</h2><table id="refusal-curve">{curve}</table>'
 if data["refusal_curve"] else ''}
{f'<h2>Skipped lines of the QA file</h2><ul>{problems}</ul>' if problems else ''}
<h2>Questions</h2><table id="questions"><tr><th></th><th>id</th><th>question</th><th>answer</th><th>gold</th>
<th>cited sources</th><th>gold rank</th><th>F1</th><th>ms</th></tr>{''.join(rows)}</table>
</body></html>"""

