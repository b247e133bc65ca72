"""Is run B better than run A? Per metric a paired bootstrap difference; per question what changed.

Two report folders (``rag eval --out``) are read back from their report.json; questions are paired
on their id, and those present in only one run are listed, never silently dropped.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rag.errors import InputError
from rag.evaluation.runner import RATES, QuestionResult, per_question
from rag.evaluation.stats import Difference, paired

LOWER_IS_BETTER = {"false_refusal_rate", "false_refusal_rate_answer_retrieved"}


@dataclass
class Comparison:
    a: str
    b: str
    metrics: dict[str, Difference]
    changed: list[dict]  # per question: id, question, what changed, both answers and sources
    only_in_a: list[str] = field(default_factory=list)
    only_in_b: list[str] = field(default_factory=list)
    config_differences: dict[str, list] = field(default_factory=dict)

    def worse(self, metric: str) -> bool:
        """Whether B is significantly worse than A on ``metric``."""
        d = self.metrics.get(metric)
        if d is None or not d.significant:
            return False
        return d.diff > 0 if metric in LOWER_IS_BETTER else d.diff < 0

    def to_dict(self) -> dict:
        data = asdict(self)
        data["metrics"] = {k: {**asdict(v), "significant": v.significant} for k, v in self.metrics.items()}
        return data


def load_run(folder: Path) -> dict:
    path = Path(folder) / "report.json"
    if not path.is_file():
        raise InputError(f"no report.json in {folder}: give a folder written by `rag eval --out`")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise InputError(f"{path} is not a readable report ({err})") from err


def _results(run: dict) -> dict[str, QuestionResult]:
    fields = QuestionResult.__dataclass_fields__
    return {r["id"]: QuestionResult(**{k: v for k, v in r.items() if k in fields}) for r in run["results"]}


def _flat(config: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in (config or {}).items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def compare(folder_a: Path, folder_b: Path) -> Comparison:
    run_a, run_b = load_run(folder_a), load_run(folder_b)
    a, b = _results(run_a), _results(run_b)
    shared = [i for i in a if i in b]
    values_a, values_b = per_question([a[i] for i in shared]), per_question([b[i] for i in shared])
    metrics = {}
    for name in RATES:
        common = [i for i in shared if i in values_a[name] and i in values_b[name]]
        found = paired([values_a[name][i] for i in common], [values_b[name][i] for i in common])
        if found is not None:
            metrics[name] = found
    changed = [change for i in shared if (change := _change(a[i], b[i]))]
    changed.sort(key=lambda c: (not c["passed_changed"], c["id"]))
    fa, fb = _flat(run_a.get("config", {})), _flat(run_b.get("config", {}))
    differences = {k: [fa.get(k), fb.get(k)] for k in sorted(fa.keys() | fb.keys()) if fa.get(k) != fb.get(k)}
    return Comparison(str(folder_a), str(folder_b), metrics, changed, [i for i in a if i not in b],
                      [i for i in b if i not in a], differences)


def _change(a: QuestionResult, b: QuestionResult) -> dict | None:
    what = []
    if a.passed != b.passed:
        what.append("wrong -> right" if b.passed else "right -> wrong")
    if a.refused != b.refused:
        what.append("refusal gained" if b.refused else "refusal lost")
    if a.gold_rank != b.gold_rank:
        what.append(f"gold rank {a.gold_rank} -> {b.gold_rank}")
    if a.answer != b.answer and not what:
        what.append("answer text changed")
    if not what:
        return None
    return {"id": a.id, "question": a.question, "changes": what, "passed_changed": a.passed != b.passed,
            "a": {"answer": a.answer, "passed": a.passed, "sources": a.sources, "gold_rank": a.gold_rank},
            "b": {"answer": b.answer, "passed": b.passed, "sources": b.sources, "gold_rank": b.gold_rank},
            "gold_answers": a.gold_answers}


def write(comparison: Comparison, out_dir: Path) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "compare.json", out_dir / "compare.html"
    json_path.write_text(json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    html_path.write_text(render_html(comparison), encoding="utf-8")
    return json_path, html_path


def render_html(c: Comparison) -> str:
    e = html.escape
    rows = "".join(
        f"<tr class=\"{'sig' if d.significant else ''}\"><td>{e(k)}</td><td>{d.a:.3f}</td><td>{d.b:.3f}</td>"
        f"<td>{d.diff:+.3f} [{d.low:+.3f}, {d.high:+.3f}]</td><td>{d.p:.3f}</td><td>{d.questions}</td></tr>"
        for k, d in c.metrics.items())

    def side(s: dict) -> str:
        sources = "<br>".join(f"[{x['number']}] {e(x['title'])}" for x in s["sources"]) or "—"
        return f"<td>{'✔' if s['passed'] else '✘'} {e(s['answer'])}<br><small>{sources}</small></td>"

    changed = "".join(f"<tr><td>{e(ch['id'])}</td><td>{e(ch['question'])}</td><td>{e('; '.join(ch['changes']))}</td>"
                      f"{side(ch['a'])}{side(ch['b'])}</tr>" for ch in c.changed)
    config = "".join(f"<li><code>{e(k)}</code>: {e(json.dumps(v[0]))} → {e(json.dumps(v[1]))}</li>"
                     for k, v in c.config_differences.items())
    missing = (f"<p>only in A: {e(', '.join(c.only_in_a)) or '—'}; only in B: {e(', '.join(c.only_in_b)) or '—'}</p>")
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Compare</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top;font-size:14px}} tr.sig td{{font-weight:bold}}</style>
</head><body><h1>B against A</h1><p>A: <code>{e(c.a)}</code> · B: <code>{e(c.b)}</code></p>
<h2>What differs in the configuration</h2><ul id="config">{config or '<li>nothing recorded</li>'}</ul>
<h2>Metrics (paired bootstrap, 95%)</h2><table id="metrics"><tr><th>metric</th><th>A</th><th>B</th>
<th>B - A [interval]</th><th>p</th><th>questions</th></tr>{rows}</table>{missing}
<h2>Questions that changed ({len(c.changed)})</h2><table id="changed"><tr><th>id</th><th>question</th>
<th>what changed</th><th>A</th><th>B</th></tr>{changed}</table></body></html>"""
