"""plots and report: every figure type, PNG + SVG that decode; a self-contained report."""
import base64
import html.parser
import io
import json
import re
import xml.etree.ElementTree as ET

import matplotlib.image as mpimg

from analysis import plots, report


def decode_png(data: bytes):
    img = mpimg.imread(io.BytesIO(data), format="png")
    assert img.ndim == 3 and img.shape[0] > 50 and img.shape[1] > 50
    assert img.std() > 0          # not a blank canvas
    return img


def test_every_plot_type_is_drawn_as_png_and_svg(rich_report):
    fig_dir = rich_report / "figures"
    names = [k.name for k in plots.PLOTS if k.section == "figures"]  # others: test_measured
    assert {"strong", "speedup", "speedup-own", "weak", "models", "hybrid", "io",
            "prediction"} <= set(names)
    for name in names:
        png, svg = fig_dir / f"{name}.png", fig_dir / f"{name}.svg"
        assert png.exists(), f"{name}: not drawn"
        decode_png(png.read_bytes())
        root = ET.parse(svg).getroot()
        assert root.tag.endswith("svg") and len(list(root.iter())) > 50


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links, self.sections, self.headings = [], [], [], []
        self._h = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src", ""))
        if tag in ("link", "script", "a") and (a.get("href") or a.get("src")):
            self.links.append(a.get("href") or a.get("src"))
        if tag == "section":
            self.sections.append(a.get("id"))
        self._h = tag in ("h2", "h3", "th")

    def handle_data(self, data):
        if self._h:
            self.headings.append(data)


def test_report_is_self_contained_with_tables_and_images(rich_report):
    text = (rich_report / "report.html").read_text()
    page = Page()
    page.feed(text)
    assert {"overview", "answer", "figures", "metrics", "fits", "prediction", "io", "excluded",
            "environments"} <= set(page.sections)
    # no external resource: only in-page anchors
    assert all(link.startswith("#") for link in page.links), page.links
    assert not re.search(r"(src|href)=['\"]?https?:", text)
    assert len(page.images) == len([k for k in plots.PLOTS if k.section == "figures"])
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        decode_png(base64.b64decode(src.split(",", 1)[1]))
    for heading in ["Best model per kernel at each worker count", "bound by (measured)",
                    "speedup vs seq", "speedup vs own p0", "Karp-Flatt vs seq",
                    "validation at the largest p", "MPI library", "compiler", "commit"]:
        assert heading in page.headings, heading


def test_report_lists_excluded_runs_and_why(tmp_path):
    import synth
    from analysis import cli
    synth.write(tmp_path / "r.jsonl", [
        synth.record("pi", "seq", 1, [2.0]), synth.record("pi", "omp", 2, [1.0]),
        synth.record("pi", "omp", 4, [0.1], oversubscribed=True),
        synth.record("pi", "mpi", 2, [1.0], verified=False),
        synth.record("race", "omp", 2, [1.0], verified=False, expected_wrong=True)])
    with open(tmp_path / "r.jsonl", "a") as f:
        f.write("{broken\n")
        f.write(json.dumps(synth.record("pi", "seq", 1, [2.0])) + "\n")  # duplicate
    out = tmp_path / "out"
    args = [str(tmp_path / "r.jsonl"), "--out", str(out), "--quiet", "--no-figures"]
    assert cli.main(args) == 0
    assert cli.main(args + ["--strict"]) == 1
    text = (out / "report.html").read_text()
    assert "oversubscribed (more threads than cores" in text
    assert "verification failed: expected 1, got 2" in text
    assert "Deliberately wrong runs (not failures)" in text
    assert "Exact duplicates dropped" in text and "r.jsonl:7" in text
    assert "r.jsonl:6" in text and "not JSON" in text
    # ... and none of them reaches the figures' data
    points = (out / "points.csv").read_text()
    assert "race" not in points and ",4," not in points.split("\n", 1)[1]


def test_new_sections_plug_into_the_registry(rich_dir, tmp_path):
    from analysis import collect, study

    @report.section("extra", "An added section", order=95)
    def extra(s):
        return f"<p>{len(s.points)} points</p>"

    try:
        s = study.build(collect.collect([str(rich_dir)]))
        text = open(report.render(s, str(tmp_path / "r.html"))).read()
        assert "<h2>An added section</h2>" in text
        assert text.index("id='environments'") < text.index("id='extra'") < text.index(
            "id='files'")
    finally:
        report.SECTIONS[:] = [s for s in report.SECTIONS if s.key != "extra"]


def test_tables_are_written(rich_report):
    for name in ("results.csv", "points.csv", "fits.csv", "models.csv", "best.csv",
                 "weak.csv"):
        assert (rich_report / name).stat().st_size > 0, name


def test_only_unusable_runs_still_give_a_report_that_says_why(tmp_path):
    import synth
    from analysis import cli
    synth.write(tmp_path / "r.jsonl", [synth.record("pi", "omp", 4, [0.1], oversubscribed=True),
                                       synth.record("pi", "mpi", 2, [1.0], verified=False)])
    out = tmp_path / "out"
    assert cli.main([str(tmp_path), "--out", str(out), "--quiet"]) == 0
    text = (out / "report.html").read_text()
    assert "No usable runs" in text and "oversubscribed (more threads" in text
    assert not list(out.glob("figures/*.png"))
