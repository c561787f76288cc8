"""Command line of the generator: ``python -m codegen <command>``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codegen import docs, errors, pipeline
from codegen.ir import CodegenError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="project root")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("generate", help="regenerate generated/ from spec/ and protos/")
    sub.add_parser("check", help="fail when generated/ is stale")
    sub.add_parser("assign-error-codes", help="replace replace_me codes in spec/errors.yaml")
    check_errors = sub.add_parser("check-errors", help="check the catalog against the code")
    check_errors.add_argument("--out", type=Path, help="also write the error reference here")
    for name, what in (
        ("bundle", "write the bundled OpenAPI spec"),
        ("openapi-docs", "write the static REST API reference (HTML)"),
        ("graphql-sdl", "write the whole GraphQL SDL"),
        ("graphql-docs", "write the static GraphQL reference (HTML)"),
    ):
        cmd = sub.add_parser(name, help=what)
        cmd.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    layout = pipeline.Layout(args.root.resolve())
    try:
        if args.command == "generate":
            files = pipeline.generate(layout)
            print(f"codegen: wrote {len(files)} files under generated/")
        elif args.command == "check":
            problems = pipeline.stale(layout)
            if problems:
                print("generated/ is stale; run `make generate`:", *problems, sep="\n  ")
                return 1
            print("codegen: generated/ is up to date")
        elif args.command == "assign-error-codes":
            for name, code in errors.assign_codes(layout.errors_file):
                print(f"{name}: {code}")
        elif args.command == "check-errors":
            problems = docs.check_error_usage(layout)
            if args.out:
                docs.write_error_reference(layout, args.out)
                print(f"codegen: wrote {args.out}")
            if problems:
                print("error catalog problems:", *problems, sep="\n  ")
                return 1
            print("codegen: error catalog matches the code")
        else:
            out = docs.write(args.command, layout, args.out)
            print(f"codegen: wrote {out}")
    except CodegenError as exc:
        print(f"codegen: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
