"""Command line: python -m fusecap_trainer {train,export,generate,score} --help.

Exit status: 0 done (or stopped on SIGTERM with a checkpoint), 2 a usage error the caller can fix
(reported as an `error` event), 1 an unexpected failure (error event + traceback on stderr)."""

import argparse
import errno
import os
import sys
import traceback

DEFAULT_THREADS = int(os.environ.get("FUSECAP_TORCH_THREADS", "2"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fusecap_trainer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="pre-train (ITC+ITM+LM) or fine-tune (LM) BLIP on a JSONL manifest")
    train.add_argument("--manifest", required=True, help='JSONL, one {"image_id", "path", "caption"} per line')
    train.add_argument("--out", required=True, help="run folder; checkpoints go to OUT/checkpoints/step-NNNNNN")
    train.add_argument("--preset", default="tiny", help="tiny | base")
    train.add_argument("--mode", default="pretrain", help="pretrain (ITC+ITM+LM) | finetune (LM only)")
    train.add_argument("--steps", type=int, required=True)
    train.add_argument("--batch-size", type=int, default=8)
    train.add_argument("--lr", type=float, default=3e-4)
    train.add_argument("--weight-decay", type=float, default=0.05)
    train.add_argument("--warmup-steps", type=int, default=100, help="capped at a tenth of --steps")
    train.add_argument("--label-smoothing", type=float, default=0.0)
    train.add_argument("--checkpoint-every", type=int, default=100)
    train.add_argument("--keep-last", type=int, default=2)
    train.add_argument("--resume-from", help="checkpoint folder to continue from")
    train.add_argument("--pretrained", help="local folder or hub id of HF BLIP weights (and tokenizer)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--prompt", default="a picture of ", help="prefix of every LM target, masked from the loss")
    train.add_argument("--max-tokens", type=int, default=40, help="caption length cap in tokens, specials included")
    train.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    train.add_argument("--log-every", type=int, default=1)
    train.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    train.add_argument("--cpu", action="store_true", help="train on CPU even when CUDA is available")

    export = sub.add_parser("export", help="ONNX vision encoder + text decoder + tokenizer for the Node captioner")
    export.add_argument("--checkpoint", required=True)
    export.add_argument("--out", required=True)
    export.add_argument("--threads", type=int, default=DEFAULT_THREADS)

    gen = sub.add_parser("generate", help="captions (token ids and text) from a checkpoint, as JSON on stdout")
    gen.add_argument("--checkpoint", required=True)
    source = gen.add_mutually_exclusive_group(required=True)
    source.add_argument("--images", nargs="+")
    source.add_argument("--pixels", help="raw float32 [N, 3, S, S] file of already pre-processed images")
    gen.add_argument("--beams", type=int, default=3)
    gen.add_argument("--max-length", type=int, default=60, help="most tokens generated after the prompt")
    gen.add_argument("--prompt", default="a picture of ")
    gen.add_argument("--batch-size", type=int, default=16)
    gen.add_argument("--impl", choices=["own", "hf"], default="own", help="own: decoding.py rules; hf: transformers generate")
    gen.add_argument("--repeat", type=int, default=1, help="run the whole generation this many times (timing)")
    gen.add_argument("--dump-pixels", help="also write the pre-processed pixels as raw float32 [N, 3, S, S]")
    gen.add_argument("--threads", type=int, default=DEFAULT_THREADS)

    score = sub.add_parser("score", help="ITC similarity matrix + ITM re-ranking of each query's top-k, as JSON")
    score.add_argument("--checkpoint", required=True)
    score.add_argument("--manifest", required=True)
    score.add_argument("--out", required=True)
    score.add_argument("--k", type=int, default=16)
    score.add_argument("--batch-size", type=int, default=32)
    score.add_argument("--max-tokens", type=int, default=40)
    score.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    return parser


def _die_with_parent() -> None:
    """Ask Linux to send SIGTERM when the supervising worker dies (even by SIGKILL), so an orphaned trainer
    saves a checkpoint and exits instead of training on unsupervised while the retried activity starts another."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except OSError:
        pass


_UNWRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOTDIR}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _die_with_parent()
    from .events import TrainerError, emit

    try:
        if args.command == "train":
            from .train import run_train
            run_train(args)
        elif args.command == "export":
            from .export import run_export
            run_export(args)
        elif args.command == "generate":
            from .generate import run_generate
            run_generate(args)
        elif args.command == "score":
            from .score import run_score
            run_score(args)
        return 0
    except TrainerError as e:
        emit("error", message=str(e), kind="usage")
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        if e.errno not in _UNWRITABLE:
            traceback.print_exc()
            emit("error", message=f"{type(e).__name__}: {e}", kind="internal")
            return 1
        # A read-only, full or forbidden output folder: the supervisor fails the run naming the path, and a
        # resume once it is writable again continues from the last checkpoint it recorded.
        path = e.filename or ""
        emit("error", message=f"cannot write {path}: {e.strerror}", kind="unwritable", path=path,
             code=errno.errorcode.get(e.errno, str(e.errno)))
        print(f"error: cannot write {path}: {e.strerror}", file=sys.stderr)
        return 3
    except Exception as e:  # anything else is a bug or an environment problem: keep the traceback
        traceback.print_exc()
        emit("error", message=f"{type(e).__name__}: {e}", kind="internal")
        return 1


if __name__ == "__main__":
    sys.exit(main())
