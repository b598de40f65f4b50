"""Benchmarks: numopt side by side with its peers, in one process, reported as ratios.

Each family adds one module here and one entry in :data:`BENCHMARKS`. A benchmark module
defines (see :mod:`numopt.bench.common` for the types):

``TITLE``
    One line for the report heading.
``PEERS``
    Importable module names of the peers (``"scipy"``, ``"ot"``, ``"pyamg"``, ...). Peers that
    are not installed are noted in the report instead of failing the run.
``cases(quick: bool) -> list[Case]``
    Independent, picklable units of work (``quick=True`` keeps the whole module well under a
    minute on 2 cores).
``run_case(case: Case) -> list[dict]``
    Runs numopt and the available peers on one case in this process and returns flat rows
    (``solver``, ``problem``, ``time``, ``nit``, accuracy fields, ...). Must be a top-level
    function: the dask executor ships it to workers.
``summarize(rows: list[dict], outdir: pathlib.Path) -> Section``
    Markdown (ratio tables against the peer) and PNG figures written under ``outdir``.

``numopt bench [--quick] [--only NAME] [--out DIR] [--executor dask]`` runs them.
"""

#: benchmark name -> module path; ``numopt bench --only NAME`` selects one
BENCHMARKS = {
    "baseline": "numopt.bench.baseline",
    "coordinate": "numopt.bench.coordinate",
    "sklearn": "numopt.bench.sklearn",
    "second_order": "numopt.bench.second_order",
    "general": "numopt.bench.general",
    "zeroth": "numopt.bench.zeroth",
    "linear": "numopt.bench.linear",
    "constrained": "numopt.bench.constrained",
    "transport": "numopt.bench.transport",
    "dask": "numopt.bench.dask",
}
