"""Build the AWS Lambda artifact: the package, its runtime dependencies (no test or dev extras) and the handler.

    python -m skill.packaging.lambda_package --out dist/lambda.zip

Deploy with handler `lambda_function.lambda_handler` on Python 3.11 (x86_64), environment as for the web service.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def build(out: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "lambda"
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target), str(ROOT)],
            check=True,
        )
        shutil.copy(ROOT / "lambda" / "lambda_function.py", target / "lambda_function.py")
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(target.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    archive.write(path, path.relative_to(target))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description="Build the AWS Lambda zip")
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "lambda.zip")
    args = parser.parse_args()
    path = build(args.out)
    print(f"{path} ({path.stat().st_size // 1024} KiB): handler lambda_function.lambda_handler")
    return 0


if __name__ == "__main__":
    sys.exit(main())
