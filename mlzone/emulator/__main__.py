"""`python -m mlzone.emulator serve [--port N] [--host H]`: run the emulator in the foreground."""

from __future__ import annotations

import argparse

from mlzone.emulator.server import HOST, serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mlzone.emulator", description="moto with mlzone's gap handlers")
    sub = parser.add_subparsers(dest="command", required=True)
    serve_cmd = sub.add_parser("serve", help="run the emulator in the foreground")
    serve_cmd.add_argument("--port", type=int, default=4566)
    serve_cmd.add_argument("--host", default=HOST)
    args = parser.parse_args(argv)
    serve(args.port, args.host)


if __name__ == "__main__":
    main()
