"""The benchmark suite's one entry: lists the benchmarks, and runs one by name.

    python benchmarks/run.py --list
    python benchmarks/run.py <name> [its arguments]      # e.g. step_flops --models dcgan r3gan

A benchmark is a script in this folder with a `main()`; the others (timing.py, first_step.py,
quality_rows.py) are its helpers. Each benchmark's docstring holds a `Question:` line (what it
answers) and a `Figure:` line (the BENCHMARKS.md or QUALITY.md section its figure lives in);
`--list` prints both, and refuses a benchmark that lacks them. Settled benchmarks are retired:
BENCHMARKS.md keeps their figures with the commit whose copy reproduces them.
"""

import ast
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIELDS = ("Question:", "Figure:")


def benchmarks() -> dict[str, Path]:
    """Every script here that defines `main()`, by name."""
    found = {}
    for path in sorted(HERE.glob("*.py")):
        tree = ast.parse(path.read_text())
        if path != Path(__file__).resolve() and any(
            isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body
        ):
            found[path.stem] = path
    return found


def described(path: Path) -> dict[str, str]:
    """The first docstring line and the `Question:` and `Figure:` paragraphs of a benchmark."""
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    lines = doc.splitlines()
    fields = {"": lines[0] if lines else ""}
    for i, line in enumerate(lines):
        for field in FIELDS:
            if line.startswith(field):
                text = [line.removeprefix(field).strip()]
                for more in lines[i + 1 :]:
                    if not more.strip() or more.startswith(FIELDS):
                        break
                    text.append(more.strip())
                fields[field] = " ".join(text)
    return fields


def listing() -> str:
    rows = []
    for name, path in benchmarks().items():
        fields = described(path)
        missing = [field for field in FIELDS if field not in fields]
        if missing:
            raise SystemExit(f"benchmarks/{path.name}: its docstring lacks {', '.join(missing)}")
        rows.append(f"{name}\n    {fields['Question:']}\n    figure: {fields['Figure:']}")
    return "\n".join(rows)


def main() -> None:
    args = sys.argv[1:]
    found = benchmarks()
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return
    if args[0] == "--list":
        print(listing())
        return
    name = args[0].removesuffix(".py")
    if name not in found:
        raise SystemExit(f"no benchmark named {name!r}; valid: {', '.join(found)} (see --list)")
    sys.argv = [str(found[name]), *args[1:]]
    sys.path.insert(0, str(HERE))  # the benchmarks import their helpers (timing.py) by name
    runpy.run_path(str(found[name]), run_name="__main__")


if __name__ == "__main__":
    main()
