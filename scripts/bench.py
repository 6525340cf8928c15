"""`make bench`: run every scripts/bench_*.py and print their figures.

Each benchmark is a script of its own (run with this interpreter, from the repository
root); its stdout is passed through. The exit status is 1 when any benchmark failed or
missed its target.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if not scripts:
        print("bench: no scripts/bench_*.py found")
        return 1
    status = 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        started = time.monotonic()
        done = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        elapsed = time.monotonic() - started
        verdict = "ok" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
        print(f"== {script.name}: {verdict} in {elapsed:.1f} s", flush=True)
        status = status or (1 if done.returncode else 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
