"""Block coordinate descent with greedy block rules, variable blocks, Newton/matrix updates
and active sets.
"""

__all__ = []
