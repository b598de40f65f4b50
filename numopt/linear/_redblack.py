"""Red–black (two-colour) SOR on any array-API namespace (the CuPy path).

Lexicographic SOR is sequential; on a GPU each half sweep updates one colour at once. For a
matrix whose graph is two-colourable (5-point stencils, 7-point stencils, any bipartite
pattern) the rows of one colour couple only to the other colour, so

.. math::

    x_R &\\leftarrow (1-\\omega)x_R + \\omega D_R^{-1}(b_R - A_{RB}x_B),\\\\
    x_B &\\leftarrow (1-\\omega)x_B + \\omega D_B^{-1}(b_B - A_{BR}x_R)

is exactly SOR in the red-first ordering. It is a *different ordering* from the natural one,
so iteration counts differ from ``backend="numba"`` (for consistently ordered matrices the
asymptotic rate is the same; Young 1971, Ch. 5).
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from ..backend import to_numpy
from ..errors import InvalidProblemError


@dataclass(frozen=True)
class RedBlackSystem:
    """A system permuted to ``[red; black]`` in its own namespace."""

    red_black: object     # A[R, B]
    black_red: object     # A[B, R]
    diag_red: object
    diag_black: object
    b_red: object
    b_black: object
    perm: np.ndarray      # host permutation: new position -> old index
    xp: object

    def split(self, x):
        """``(x_R, x_B)`` of a vector in the original ordering."""
        xp = self.xp
        x = xp.take(x, xp.asarray(self.perm), axis=0)
        nr = self.diag_red.shape[0]
        return x[:nr], x[nr:]

    def join(self, x_red, x_black):
        """The vector in the original ordering."""
        xp = self.xp
        inverse = np.empty_like(self.perm)
        inverse[self.perm] = np.arange(self.perm.size)
        return xp.take(xp.concat([x_red, x_black]), xp.asarray(inverse), axis=0)

    def sweep(self, x_red, x_black, omega, symmetric):
        """One red–black sweep (red, black; then black, red again when ``symmetric``)."""
        x_red = self._half(x_red, self.b_red, self.red_black, x_black, self.diag_red, omega)
        x_black = self._half(x_black, self.b_black, self.black_red, x_red, self.diag_black, omega)
        if symmetric:
            x_black = self._half(x_black, self.b_black, self.black_red, x_red,
                                 self.diag_black, omega)
            x_red = self._half(x_red, self.b_red, self.red_black, x_black, self.diag_red, omega)
        return x_red, x_black

    def residual_norm(self, x_red, x_black):
        """``||b - A x||_2``."""
        xp = self.xp
        r_red = self.b_red - self.diag_red * x_red - self.red_black @ x_black
        r_black = self.b_black - self.diag_black * x_black - self.black_red @ x_red
        return float(xp.sqrt(xp.vecdot(r_red, r_red) + xp.vecdot(r_black, r_black)))

    @staticmethod
    def _half(x, b, coupling, other, diag, omega):
        return (1.0 - omega) * x + omega * (b - coupling @ other) / diag


def two_colouring(pattern):
    """Colour (0 = red, 1 = black) of each row so that no off-diagonal entry joins equal
    colours, by breadth-first search on the symmetrised pattern.

    Raises
    ------
    InvalidProblemError
        When the matrix graph is not two-colourable.
    """
    graph = sp.csr_array(pattern, dtype=bool)
    graph = (graph + graph.T).tocsr()
    graph.setdiag(False)
    graph.eliminate_zeros()
    n = graph.shape[0]
    colour = np.full(n, -1, dtype=np.int8)
    for root in range(n):
        if colour[root] >= 0:
            continue
        order, parent = csgraph.breadth_first_order(graph, root, directed=False)
        colour[root] = 0
        for node in order[1:]:
            colour[node] = 1 - colour[parent[node]]
    rows, cols = graph.nonzero()
    if np.any(colour[rows] == colour[cols]):
        raise InvalidProblemError(
            "ordering='red_black' needs a two-colourable matrix graph (5-point or 7-point "
            "stencils); this A has an odd cycle. Use ordering='natural' on the CPU "
            "(backend='numba')."
        )
    return colour


def red_black_system(system):
    """Permute a validated :class:`~numopt.linear._system.LinearSystem` to red–black form."""
    xp = system.backend.xp
    matrix = system.matrix
    host = matrix if sp.issparse(matrix) else _host(matrix)
    colour = two_colouring(host)
    perm = np.concatenate([np.flatnonzero(colour == 0), np.flatnonzero(colour == 1)])
    nr = int(np.count_nonzero(colour == 0))
    red, black = xp.asarray(perm[:nr]), xp.asarray(perm[nr:])
    if hasattr(matrix, "tocsr") and not sp.issparse(matrix):
        # cupyx CSR: slice the host copy (already made for the colouring) and move each
        # block to the device once, as CSR; no dense blocks, no device fancy indexing
        host = sp.csr_matrix(host)
        device_csr = type(matrix.tocsr())
        red_black = device_csr(host[perm[:nr]][:, perm[nr:]])
        black_red = device_csr(host[perm[nr:]][:, perm[:nr]])
    elif hasattr(matrix, "tocsr"):
        matrix = matrix.tocsr()
        red_black, black_red = matrix[red][:, black], matrix[black][:, red]
    else:
        red_black = xp.take(xp.take(matrix, red, axis=0), black, axis=1)
        black_red = xp.take(xp.take(matrix, black, axis=0), red, axis=1)
    diag, b = xp.asarray(system.diag), system.b
    return RedBlackSystem(
        red_black=red_black, black_red=black_red,
        diag_red=xp.take(diag, red, axis=0), diag_black=xp.take(diag, black, axis=0),
        b_red=xp.take(b, red, axis=0), b_black=xp.take(b, black, axis=0), perm=perm, xp=xp,
    )


def _host(matrix):
    if hasattr(matrix, "get") and hasattr(matrix, "tocsr"):
        return matrix.get()
    return sp.csr_array(to_numpy(matrix))
