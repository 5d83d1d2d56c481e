"""Command line of the runner."""

import argparse

from .setup_env import SetupError, find_odoo


def build_parser():
    parser = argparse.ArgumentParser(prog="dunning", description=__doc__)
    parser.add_argument(
        "--odoo-src",
        help="Odoo 18.0 source root (else $ODOO_SRC, else `import odoo`, else the official archive, downloaded once)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    test = commands.add_parser("test", help="install the addon in a throwaway DB and run its tests")
    test.add_argument("--tags", help="Odoo --test-tags filter, e.g. /account_dunning:TestEngine.test_rerun")
    test.add_argument("--keep-db", action="store_true", help="keep the throwaway cluster's data for debugging")
    test.add_argument("--quiet", action="store_true", help="do not echo Odoo's log (it is still written to a file)")

    demo = commands.add_parser("demo", help="build the demo database (French company, customers, reminders)")
    demo.add_argument("--serve", action="store_true", help="serve the demo on http://127.0.0.1:8069 until Ctrl-C")
    demo.add_argument("--port", type=int, default=8069)
    demo.add_argument("--clean", action="store_true", help="delete the demo cluster and exit")
    demo.add_argument(
        "--screenshots", action="store_true", help="take the README screenshots (static/description/*.png)"
    )

    bench = commands.add_parser("bench", help="time a dunning run on a generated receivables book")
    bench.add_argument("--invoices", default="1000", help="invoice count, or a comma-separated list of counts")
    bench.add_argument("--partners", default="100", help="partner count (or list, one per invoice count)")
    bench.add_argument("--compare", action="store_true", help="also time OCA account_credit_control on the same book")
    bench.add_argument("--keep-db", action="store_true", help="keep the generated books afterwards")
    bench.add_argument(
        "--concurrent",
        type=int,
        metavar="N",
        help="also run N dunning runs at once on a copy and check no duplicate (with --nightly: N nightly runs)",
    )
    bench.add_argument(
        "--nightly",
        action="store_true",
        help="run the real nightly scheduled action in separate processes (with --concurrent N, N at once) "
        "on a copy of the book and check its guarantees",
    )
    bench.add_argument(
        "--kill-after",
        type=float,
        metavar="SECONDS",
        help="with --nightly: SIGKILL one run after SECONDS, then start a fresh run to finish the work",
    )
    bench.add_argument(
        "--time-cap", type=float, default=600, metavar="SECONDS", help="with --nightly: stop calling after SECONDS"
    )
    bench.add_argument(
        "--outcomes",
        action="store_true",
        help="time the refresh of the reminders' outcomes (full, then nightly) instead of the dunning run",
    )
    bench.add_argument("--batch-size", type=int, metavar="N", help="with --nightly: partners per committed batch")
    bench.add_argument("--batches-per-call", type=int, metavar="N", help="with --nightly: batches per cron call")
    selftest = commands.add_parser("selftest", help="run the runner's own tests (tools/tests; no Odoo needed)")
    selftest.add_argument("-v", "--verbose", action="store_true", help="list each test")
    commands.add_parser("i18n", help="regenerate the .pot from a fresh install and merge it into i18n/*.po")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        if args.command == "selftest":
            from .selftest import run_selftests

            return run_selftests(_selftest_python(args), verbose=args.verbose)
        odoo_root = find_odoo(args.odoo_src)
        if args.command == "test":
            from .test_command import run_tests

            return run_tests(args, odoo_root)
        if args.command == "demo":
            from .demo_command import run_demo

            return run_demo(args, odoo_root)
        if args.command == "i18n":
            from .i18n_command import run_i18n

            return run_i18n(args, odoo_root)
        from .bench_command import run_bench

        return run_bench(args, odoo_root)
    except SetupError as exc:
        print(f"dunning: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        print("dunning: interrupted")
        return 130


def _selftest_python(args):
    """The runner's venv when built (it has aiosmtpd), else this Python."""
    from .setup_env import ready_venv_python

    try:
        odoo_root = find_odoo(args.odoo_src, fetch=False)
    except SetupError:
        return None
    return ready_venv_python(odoo_root) if odoo_root else None
