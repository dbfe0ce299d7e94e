"""Runs `vngov compact` or a removal on an archive and dies (os._exit, as SIGKILL would leave it)
at one named step of the segment rewrite; the step-by-step crash test runs it once per step."""
import os
import sys
from pathlib import Path

from scraper.archive import ArchiveWriter, compact as compact_module, journal
from scraper.archive.codec import SegmentWriter

DIE = 9


def _die_after(function):
    def wrapped(*args, **kwargs):
        result = function(*args, **kwargs)
        os._exit(DIE)
        return result
    return wrapped


def _die_on_call(number: int, function):
    calls = [0]

    def wrapped(*args, **kwargs):
        calls[0] += 1
        if calls[0] == number:
            os._exit(DIE)
        return function(*args, **kwargs)
    return wrapped


STEPS = {
    # The merged segment written and closed, before its journal entry.
    "segment-written": lambda: setattr(SegmentWriter, "close", _die_after(SegmentWriter.close)),
    # The journal entry committed, before anything moves.
    "journaled": lambda: setattr(compact_module, "finish_rewrite", lambda *a: os._exit(DIE)),
    # The merged segment renamed into place, before the index knows.
    "renamed": lambda: setattr(journal.os, "replace", _die_after(os.replace)),
    # The index moved to the merged segment, before the old files go.
    "indexed": lambda: setattr(Path, "unlink", _die_on_call(1, Path.unlink)),
    # One old file gone, the others not.
    "half-unlinked": lambda: setattr(Path, "unlink", _die_on_call(2, Path.unlink)),
    # The old files gone, before the journal entry is.
    "unlinked": lambda: setattr(journal, "fsync_dir", _die_after(journal.fsync_dir)),
}

if __name__ == "__main__":
    root, operation, step = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    writer = ArchiveWriter(root, run_id=operation)
    STEPS[step]()
    if operation == "compact":
        compact_module.compact(writer)
    else:
        compact_module.remove_articles(writer, dict.fromkeys(sys.argv[4].split(","), "test removal"))
    writer.close()
    print("finished without dying", flush=True)
