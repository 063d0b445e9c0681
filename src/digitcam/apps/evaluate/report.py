"""report.html: one self-contained page (figures embedded as base64 PNG, no scripts, no links
to fetch), built from the same dictionary that is written to metrics.json.

    html = build_html(metrics, figures)   # figures: {"mlp/roc": Path("report/mlp_roc.png"), ...}

Sections (their ids): summary, coverage (accuracy against --min-confidence), then per model
<model>-confusion, -per-class-accuracy, -roc, -precision-recall, -confidence,
-per-class-metrics, -mistakes, -reliability; then robustness, unreadable (with --dataset DIR)
and method.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from .figures import ece_caveat
from .robustness import CORRUPTIONS, PARTS, SEVERITIES

MODEL_SECTIONS = (
    ("confusion", "Confusion matrix", "confusion"),
    ("per-class-accuracy", "Accuracy per digit", "per_class_accuracy"),
    ("roc", "ROC curves (one digit against the rest)", "roc"),
    ("precision-recall", "Precision-recall curves", "pr"),
    ("confidence", "Confidence of correct and wrong predictions", "confidence"),
    ("per-class-metrics", "Precision, recall and F1 per digit", None),
    ("mistakes", "Most confident mistakes", "mistakes"),
    ("reliability", "Reliability diagram and calibration error", "reliability"),
)

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1200px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #444}h2{border-bottom:1px solid #bbb;margin-top:2em}
table{border-collapse:collapse;margin:0.8em 0;font-size:0.92em}
th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{background:#eee}
img{max-width:100%;height:auto;border:1px solid #ddd}
.headline{font-size:1.25em;background:#f3f7fb;border-left:4px solid #2a6fb0;padding:0.5em 1em}
.text td,.text th{text-align:left}.note{color:#555;font-size:0.92em}nav a{margin-right:1em}
"""


def _pct(value, digits: int = 2) -> str:
    return "&ndash;" if value is None else f"{value * 100:.{digits}f}%"


def _num(value, digits: int = 4) -> str:
    return "&ndash;" if value is None else f"{value:.{digits}f}"


def _img(path: Path | None, alt: str) -> str:
    if path is None:
        return ""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<p><img alt="{escape(alt)}" src="data:image/png;base64,{data}"></p>'


def _table(head: list[str], rows: list[list[str]], text: bool = False) -> str:
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    cls = ' class="text"' if text else ""
    return f"<table{cls}><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _summary_rows(folder: bool) -> list[tuple[str, callable]]:
    def rob(part):
        return lambda m: _pct(m.get("robustness", {}).get(part, {}).get(
            "mean_corruption_accuracy"), 1)

    return [
        ("samples", lambda m: f"{m['samples']:,}"),
        ("accuracy (most confident reading per file)" if folder else "accuracy",
         lambda m: _pct(m["accuracy"])),
        ("exact reading (the digit and nothing else)",
         lambda m: _pct(m.get("exact_read_accuracy"))),
        ("MNIST test accuracy on the model card", lambda m: _pct(m["card"].get("test_accuracy"))),
        ("errors", lambda m: f"{m['errors']:,}"),
        ("nothing read", lambda m: f"{m['nothing_read']:,}"),
        ("macro precision", lambda m: _pct(m["macro"]["precision"])),
        ("macro recall", lambda m: _pct(m["macro"]["recall"])),
        ("macro F1", lambda m: _pct(m["macro"]["f1"])),
        ("ROC AUC, micro / macro",
         lambda m: f"{_num(m['roc_auc']['micro'], 6)} / {_num(m['roc_auc']['macro'], 6)}"),
        ("average precision, micro / macro", lambda m: (
            f"{_num(m['average_precision']['micro'])} / {_num(m['average_precision']['macro'])}")),
        ("expected calibration error", lambda m: _pct(m["calibration"]["ece"])
         + (" (rough: few samples)" if ece_caveat(m["samples"]) else "")),
        ("mean confidence, correct / wrong", lambda m: (
            f"{_pct(m['confidence']['mean_correct'], 1)} / "
            f"{_pct(m['confidence']['mean_wrong'], 1)}")),
        ("mean corruption accuracy, 28x28 inputs", rob("digits")),
        ("mean corruption accuracy, camera frames", rob("frames")),
        ("parameters", lambda m: f"{m['card']['parameters']:,}"
         if m["card"].get("parameters") else "&ndash;"),
        ("time per image (ms)", lambda m: _num(m.get("ms_per_image"), 3)),
    ]


def summary_section(metrics: dict) -> str:
    models = metrics["models"]
    ds = metrics["dataset"]
    names = list(models)
    folder = ds["kind"] == "folder"
    rows = []
    for label, fn in _summary_rows(folder):
        cells = [fn(models[n]) for n in names]
        if all(c == "&ndash;" for c in cells):
            continue
        rows.append([label, *cells])
    key, what = ("exact_read_accuracy", "Read exactly") if folder else ("accuracy", "Accuracy")
    lead = ", ".join(f"<b>{escape(n)}</b> {_pct(models[n][key])}" for n in names)
    return (f'<h2 id="summary">Summary</h2><p class="headline">{what} on {escape(ds["name"])} '
            f"({ds['samples']:,} {'files' if folder else 'samples'}): {lead}</p>"
            + _table(["", *[escape(n) for n in names]], rows)
            + ('<p class="note">Models side by side.</p>' if len(names) > 1 else ""))


def _per_class_table(m: dict) -> str:
    rows = [[k, _pct(v["precision"]), _pct(v["recall"]), _pct(v["f1"]), f"{v['support']:,}"]
            for k, v in m["per_class"].items()]
    rows.append(["macro average", _pct(m["macro"]["precision"]), _pct(m["macro"]["recall"]),
                 _pct(m["macro"]["f1"]), f"{m['samples']:,}"])
    return _table(["digit", "precision", "recall (= accuracy)", "F1", "samples"], rows)


def _auc_table(m: dict) -> str:
    rows = [[k, _num(m["roc_auc"]["per_class"][k], 6),
             _num(m["average_precision"]["per_class"][k])] for k in m["per_class"]]
    rows.append(["micro average", _num(m["roc_auc"]["micro"], 6),
                 _num(m["average_precision"]["micro"])])
    rows.append(["macro average", _num(m["roc_auc"]["macro"], 6),
                 _num(m["average_precision"]["macro"])])
    return _table(["digit", "ROC AUC", "average precision"], rows)


def model_section(name: str, m: dict, figures: dict) -> str:
    out = [f'<h2 id="{escape(name)}">Model {escape(name)}</h2>',
           f'<p class="note">{escape(m["path"])}</p>']
    for sid, title, fig in MODEL_SECTIONS:
        out.append(f'<h3 id="{escape(name)}-{sid}">{title}</h3>')
        if fig:
            out.append(_img(figures.get(f"{name}/{fig}"), f"{name}: {title}"))
        if sid == "per-class-metrics":
            out.append(_per_class_table(m))
        elif sid == "roc":
            out.append(_auc_table(m))
        elif sid == "reliability":
            caveat = ece_caveat(m["samples"])
            out.append(f"<p>Expected calibration error: <b>{_pct(m['calibration']['ece'])}</b> "
                       "(15 equal-width confidence bins; the share of samples in each bin times "
                       "the gap between its accuracy and its mean confidence, summed)."
                       + (f" <b>Caveat</b>: {escape(caveat)}." if caveat else "") + "</p>")
    return "\n".join(out)


def _robustness_rows(metrics: dict) -> list[list[str]]:
    """Clean accuracy first, then each corruption: one row per model and per path."""
    rows, results = [], {n: m["robustness"] for n, m in metrics["models"].items()
                         if "robustness" in m}
    for c in CORRUPTIONS:
        for model, res in results.items():
            for part, label in PARTS:
                if part not in res:
                    continue
                acc = res[part]["corruptions"][c.name]
                rows.append([c.title, escape(model), label, _pct(res[part]["clean"], 1),
                             *[_pct(a, 1) for a in acc], _pct(sum(acc) / len(acc), 1)])
    return rows


def robustness_section(metrics: dict, figures: dict) -> str:
    settings = metrics.get("robustness")
    if not settings:
        return ""
    heads = "; ".join(
        f"<b>{escape(n)}</b>: " + ", ".join(
            f"{label} {_pct(m['robustness'][part]['mean_corruption_accuracy'], 1)}"
            for part, label in PARTS if part in m["robustness"])
        for n, m in metrics["models"].items() if "robustness" in m)
    levels = "".join(
        f"<li>{c.title}: {', '.join(c.level_text(lv) for lv in c.levels)} (in frames: "
        f"{c.stage} stage)</li>" for c in CORRUPTIONS)
    head = ["corruption", "model", "applied to", "clean (severity 0)",
            *[f"severity {s}" for s in range(1, SEVERITIES + 1)], "mean of 1-5"]
    return (
        '<h2 id="robustness">Robustness</h2>'
        f'<p class="headline">Mean corruption accuracy ({len(CORRUPTIONS)} corruptions x '
        f"{SEVERITIES} severities): {heads}</p>"
        f'<p class="note">{escape(settings["note"])}</p>'
        + _img(figures.get("robustness"), "accuracy against severity")
        + _table(head, _robustness_rows(metrics))
        + _img(figures.get("robustness_examples"), "the corruptions, severities 0 to 5")
        + f"<p>Severity levels 1 to 5:</p><ul>{levels}</ul>")


def coverage_section(metrics: dict, figures: dict) -> str:
    """Accuracy against coverage over --min-confidence, every model in one figure."""
    if "coverage" not in figures:
        return ""
    t = metrics.get("min_confidence", 0.5)
    rows = []
    for name, m in metrics["models"].items():
        for point in m.get("coverage", []):
            if point["min_confidence"] in (0.0, 0.3, 0.5, 0.7, 0.9):
                rows.append([escape(name), f"{point['min_confidence']:g}",
                             _pct(point["coverage"], 1), _pct(point["accuracy"])])
    return ('<h2 id="coverage">Accuracy against coverage (--min-confidence)</h2>'
            f"<p>Readings less confident than --min-confidence (here {t:g}) are left out: a "
            "higher threshold keeps fewer readings (coverage) and gets more of those right. "
            "The default, 0.5, keeps nearly every reading of a clean digit while dropping "
            "most of the doubtful ones.</p>"
            + _img(figures.get("coverage"), "accuracy against coverage")
            + _table(["model", "--min-confidence", "coverage", "accuracy of those read"],
                     rows))


def unreadable_section(metrics: dict) -> str:
    if metrics["dataset"]["kind"] != "folder":
        return ""
    bad = metrics["unreadable"]
    body = ("<p>Every file could be read.</p>" if not bad else
            f"<p>{len(bad)} file(s) could not be read and are left out of every number:</p>"
            + _table(["file", "reason"], [[escape(b["path"]), escape(b["error"])] for b in bad],
                     text=True))
    return '<h2 id="unreadable">Unreadable files</h2>' + body


def method_section(metrics: dict) -> str:
    return ('<h2 id="method">Method</h2><ul>'
            + "".join(f"<li>{escape(line)}</li>" for line in metrics["method"]) + "</ul>"
            f'<p class="note">digitcam {escape(metrics["digitcam_version"])}, '
            f'{escape(metrics["date"])}, {escape(metrics["machine"])}; '
            f'command: <code>{escape(metrics["command"])}</code></p>')


def build_html(metrics: dict, figures: dict[str, Path]) -> str:
    names = list(metrics["models"])
    nav = "".join(f'<a href="#{escape(n)}">{escape(n)}</a>' for n in names)
    nav += '<a href="#coverage">coverage</a>' if "coverage" in figures else ""
    nav += '<a href="#robustness">robustness</a>' if metrics.get("robustness") else ""
    nav += '<a href="#unreadable">unreadable files</a>' if metrics["dataset"]["kind"] == "folder" \
        else ""
    parts = [summary_section(metrics), coverage_section(metrics, figures),
             *[model_section(n, metrics["models"][n], figures) for n in names],
             robustness_section(metrics, figures), unreadable_section(metrics),
             method_section(metrics)]
    title = escape(f"digitcam evaluation: {', '.join(names)} on {metrics['dataset']['name']}")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{CSS}</style></head><body><h1>{title}</h1>"
            f'<nav><a href="#summary">summary</a>{nav}<a href="#method">method</a></nav>'
            + "\n".join(p for p in parts if p) + "</body></html>\n")
