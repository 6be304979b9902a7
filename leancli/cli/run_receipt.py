"""The receipt of a `check -o FILE` run (see leancli/receipt.py): written before any
REPL starts, so that a receipt that cannot be written stops the run at once, and again
when the run ends or is interrupted, covering the whole results file. Only a
regular-file output gets one (`receipt.regular_output`): a FIFO, a device or
`/dev/stdout` is never read back (the run would block on its own pipe)."""

from __future__ import annotations

from pathlib import Path

from leancli.inputs.items import InputSpec
from leancli.inputs.sources import SourceMap
from leancli.options import CheckOptions
from leancli.receipt import (
    environment,
    now,
    read_results,
    receipt,
    receipt_path,
    regular_output,
    write_receipt,
)


class RunReceipt:
    """The receipt of one run writing its results to `output`."""

    def __init__(
        self,
        output: Path,
        options: CheckOptions,
        spec: InputSpec,
        source_map: SourceMap,
        resumed: int,
    ) -> None:
        self.output = output
        self.path = receipt_path(output)
        # Decided once, before the run writes: `/dev/stdout` names a regular file when
        # stdout is redirected to one, never through the name `-o` gives.
        self.written = regular_output(output)
        self._facts = environment(options, spec.verdict_values())
        self._source_map = source_map
        self._resumed = resumed
        self._started = now()

    def write(self, *, complete: bool, ended: bool = True) -> str | None:
        """Write the receipt as the run stands; the error line when it cannot be written.
        Nothing for an output that is no regular file (never read back: a FIFO's reader
        is another process, and /dev/stdout in a pipeline is the run's own pipe)."""
        if not self.written:
            return None
        try:
            counts, results_file = read_results(self.output)
            content = receipt(
                self._facts,
                complete=complete,
                started=self._started,
                ended=now() if ended else None,
                inputs=[digest.describe() for digest in self._source_map.digests],
                counts=counts,
                output=str(self.output),
                results_file=results_file,
                resumed=self._resumed,
            )
            write_receipt(self.path, content)
        except OSError as exc:
            return f"cannot write the receipt {self.path}: {exc.strerror or exc}"
        return None
