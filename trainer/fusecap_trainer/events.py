"""Progress events: one JSON object per line on stdout, flushed at once, so the supervising Node process
(captioner/train-process.ts) sees each event as it happens. Nothing else may be printed to stdout."""

import json
import math
import sys
import time


def _clean(value):
    # JSON has no NaN/Infinity; a diverged loss must still produce a parseable line.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def emit(event: str, **fields) -> None:
    record = {"event": event, "time": round(time.time(), 3), **fields}
    sys.stdout.write(json.dumps(_clean(record)) + "\n")
    sys.stdout.flush()


class TrainerError(Exception):
    """An error the user can fix (bad path, impossible batch size): reported as one `error` event with this
    message and exit status 2, without a traceback."""
