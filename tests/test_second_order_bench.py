"""The second-order benchmark module: case list, one case end to end, the summary."""

import numopt.bench as bench
from numopt.bench import second_order
from numopt.bench.common import Case


def test_registered_and_quick_cases_cover_the_three_sections():
    assert bench.BENCHMARKS["second_order"] == "numopt.bench.second_order"
    kinds = {c.params["kind"] for c in second_order.cases(quick=True)}
    assert {"logistic", "dataset", "classic", "lazy"} <= kinds
    full = second_order.cases(quick=False)
    assert sum(c.params["kind"] == "rosen40" for c in full) == 5
    assert {(c.params["d"], c.params["l2"]) for c in full if c.params["kind"] == "logistic"} \
        >= {(1000, 1e-6), (1000, 1e-3), (200, 1e-4)}


def test_one_classic_case_and_summary(tmp_path):
    rows = second_order.run_case(Case("second_order", "beale", {"kind": "classic",
                                                                "name": "beale"}))
    solvers = [r["solver"] for r in rows]
    assert len(rows) == 8 and "scipy trust-exact" in solvers and "lazy_newton" in solvers
    assert all(r["reached"] for r in rows if not r["solver"].startswith("scipy"))
    section = second_order.summarize(rows, tmp_path)
    assert "(b) classic library" in section.markdown and "ratio_2nd" in section.markdown
    assert section.figures == []  # the time figure is drawn for section (a) only
