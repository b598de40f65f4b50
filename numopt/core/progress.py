"""Optional tqdm progress bar for long runs."""

from ..errors import require


class _NoBar:
    def update(self, nit, postfix):
        pass

    def close(self):
        pass


class _TqdmBar:
    def __init__(self, total, desc):
        tqdm = require("tqdm.auto", "progress", "progress=True").tqdm
        self._bar = tqdm(total=total, desc=desc, leave=False, dynamic_ncols=True)
        self._shown = 0

    def update(self, nit, postfix):
        self._bar.update(max(0, nit - self._shown))
        self._shown = nit
        if postfix:
            self._bar.set_postfix({k: f"{v:.3g}" for k, v in postfix.items()}, refresh=False)

    def close(self):
        self._bar.close()


def progress_bar(enabled, total, desc):
    """A bar with ``update(nit, postfix)``/``close()``; a no-op object when not enabled.

    Raises
    ------
    MissingDependencyError
        ``enabled`` is true and tqdm is not installed.
    """
    return _TqdmBar(total, desc) if enabled else _NoBar()
