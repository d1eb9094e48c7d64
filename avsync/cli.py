"""Command line: parse, call the API, render, map outcomes to exit codes. Nothing else.

Exit codes: 0 consistent, 1 problem found, 2 inconclusive, 3 usage/option error,
4 input error (missing, unreadable, corrupt file), 5 model error, 70 internal error.
"""
from __future__ import annotations

import os
import sys

import click

from . import __version__

EXIT_USAGE, EXIT_INTERNAL = 3, 70


class _Progress:
    """Progress on stderr when it is a terminal; silent in pipes or with --quiet."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.stage = None

    def __call__(self, stage: str, done: int, total: int):
        if not self.enabled:
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = click.progressbar(length=total, label=f"{stage:>6}", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


class _Group(click.Group):
    def main(self, *args, **kwargs):  # usage errors exit 3, not click's 2 (2 means INCONCLUSIVE)
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("avsync: interrupted", err=True)
            sys.exit(130)
        except click.ClickException as e:
            e.show()
            sys.exit(EXIT_USAGE)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="avsync")
def main():
    """avsync: do a clip's voice and face belong together?"""


@main.command()
@click.argument("path", type=click.Path(dir_okay=True))
@click.option("--json", "json_out", metavar="PATH|-", help="Write the JSON report to PATH, or '-' for stdout.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--workers", type=int, default=min(2, os.cpu_count() or 1), show_default=True,
              help="Processes for face analysis.")
@click.option("--tolerance-ms", type=float, default=None, help="Largest |offset| called in sync [max(160 ms, 4 frames)].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary (exit code and --json only).")
def check(path, json_out, device, workers, tolerance_ms, quiet):
    """Check lip-sync of PATH (video or audio file).

    Exit codes: 0 consistent, 1 problem found, 2 inconclusive, 3 usage error, 4 bad input,
    5 model error.
    """
    from .errors import AvsyncError

    progress = _Progress(enabled=not quiet and sys.stderr.isatty())
    try:
        from .api import check as run_check
        from .config import Config

        cfg = Config(device=device, workers=workers, tolerance_ms=tolerance_ms)
        report = run_check(path, device=device, config=cfg, hook=progress)
    except AvsyncError as exc:
        progress.close()
        click.echo(f"avsync: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        progress.close()
        click.echo("avsync: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: one line for the user, traceback only on request
        progress.close()
        if os.environ.get("AVSYNC_DEBUG"):
            raise
        click.echo(f"avsync: internal error: {type(exc).__name__}: {exc} (set AVSYNC_DEBUG=1 for details; please report)",
                   err=True)
        sys.exit(EXIT_INTERNAL)
    progress.close()
    if json_out == "-":
        click.echo(report.to_json())
    elif json_out:
        try:
            with open(json_out, "w") as f:
                f.write(report.to_json() + "\n")
        except OSError as exc:
            click.echo(f"avsync: error: cannot write {json_out}: {exc.strerror}", err=True)
            sys.exit(EXIT_USAGE)
    if not quiet and json_out != "-":
        click.echo(report.to_text())
    elif not quiet:
        click.echo(report.to_text(), err=True)
    sys.exit(report.exit_code)
