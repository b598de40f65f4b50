"""Block coordinate descent with greedy block rules, variable blocks, Newton/matrix updates
and active sets.
"""

from .bcd import BCD

__all__ = ["BCD"]
