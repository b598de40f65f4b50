"""The general benchmark module: registration, case list, one case per section, summary."""

import math

import pytest

import numopt.bench as bench
from numopt.bench import general
from numopt.bench.common import Case


def test_registered_and_cases_cover_the_four_sections():
    assert bench.BENCHMARKS["general"] == "numopt.bench.general"
    sections = [c.params["section"] for c in general.cases(quick=False)]
    assert sections.count("c") == 9 and sections.count("d") == 4
    assert sections.count("a") == sections.count("b") == sections.count("e") >= 30


@pytest.mark.slow
def test_one_case_per_section_and_summary(tmp_path, monkeypatch):
    monkeypatch.setattr(general, "REPEATS", 1)
    rows = []
    for section, name in (("a", "beale"), ("b", "beale"), ("c", "HS4")):
        rows += general.run_case(Case("general", name, {"section": section, "name": name}))
    by = {(r["section"], r["solver"]): r for r in rows}
    assert by[("a", "default")]["chosen"] == "lbfgs" and by[("a", "default")]["solved"]
    assert by[("a", "scipy L-BFGS-B")]["solved"] and by[("b", "cubic_newton")]["solved"]
    assert by[("c", "default")]["solved"] and ("c", "scipy TNC") in by
    table = general.summary_table([r for r in rows if r["section"] == "a"], "a")
    default = next(t for t in table if t["solver"] == "default")
    assert default["solved"] == "1/1" and math.isfinite(default["median_ratio"])
    section = general.summarize(rows, tmp_path)
    assert "(c) bound-constrained" in section.markdown
    assert sorted(section.figures) == ["general_profile_a.png", "general_profile_b.png",
                                       "general_profile_c.png"]
    assert all((tmp_path / f).exists() for f in section.figures)
