"""`practice setup`, `practice train`, `practice run` and `practice engine ...`: the service itself."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from actions.settings import Settings

if TYPE_CHECKING:
    from practice.supervisor import StackConfig


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    setup = subparsers.add_parser("setup", help="build the scorer and train the Rasa model if their inputs changed")
    setup.set_defaults(handler=_setup)

    train = subparsers.add_parser("train", help="train the Rasa model if its inputs changed; print its path")
    train.set_defaults(handler=_train)

    run = subparsers.add_parser("run", help="run the Rasa server, the action server and the API on 127.0.0.1")
    settings = Settings()  # PRACTICE_HOST, PRACTICE_PORT, PRACTICE_RASA_PORT, PRACTICE_ACTION_PORT
    run.add_argument("--host", default=settings.host, help=f"interface for all three servers (default {settings.host})")
    run.add_argument("--api-port", type=int, default=settings.port, help=f"default {settings.port}")
    run.add_argument("--rasa-port", type=int, default=settings.rasa_port, help=f"default {settings.rasa_port}")
    run.add_argument("--action-port", type=int, default=settings.action_port, help=f"default {settings.action_port}")
    run.add_argument(
        "--engines",
        type=int,
        default=settings.engines,
        help="Rasa servers, each with its own action server on the next ports up; more than one shares a "
        "PostgreSQL tracker store and a Redis lock store (PRACTICE_ENGINES, default %(default)s)",
    )
    run.add_argument(
        "--workers",
        type=int,
        default=settings.api_workers,
        help="API worker processes; more than one needs PostgreSQL (PRACTICE_API_WORKERS, default %(default)s)",
    )
    run.set_defaults(handler=_run)

    engine = subparsers.add_parser("engine", help="Rasa engine checks")
    engine_sub = engine.add_subparsers(dest="engine_command", metavar="ACTION", required=True)
    engine_sub.add_parser("validate", help="rasa data validate --fail-on-warnings").set_defaults(handler=_validate)
    engine_sub.add_parser("hash", help="print the hash of the model's inputs").set_defaults(handler=_hash)
    generate = engine_sub.add_parser(
        "generate", help="rewrite the rules, stories and test stories from data/behaviour.yml"
    )
    generate.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a generated file is out of date"
    )
    generate.set_defaults(handler=_generate)


def _setup(args: argparse.Namespace) -> int:
    from actions.scoring import Scorer
    from practice.engine import ensure_model

    scorer = Scorer.load()  # trains the scorer's classifier into build/ only if its inputs changed
    for note in scorer.notes:
        print(f"Cue scorer: {note}", file=sys.stderr)
    print(f"Rasa model: {ensure_model()}", file=sys.stderr)
    return 0


def _train(args: argparse.Namespace) -> int:
    from practice.engine import ensure_model

    print(ensure_model())
    return 0


def _validate(args: argparse.Namespace) -> int:
    from practice.engine import validate_data

    validate_data()
    return 0


def _hash(args: argparse.Namespace) -> int:
    from practice.engine import inputs_hash

    print(inputs_hash())
    return 0


def _generate(args: argparse.Namespace) -> int:
    from practice.dialogue import REPO_ROOT, out_of_date, write_all

    if args.check:
        stale = out_of_date()
        for path in stale:
            print(
                f"{path.relative_to(REPO_ROOT)} differs from what data/behaviour.yml and "
                "tests/conversations.yml give; run `practice engine generate`",
                file=sys.stderr,
            )
        return 1 if stale else 0
    changed = write_all()
    for path in changed:
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    if not changed:
        print("generated files already up to date")
    return 0


def _run(args: argparse.Namespace) -> int:
    from practice.engine import ensure_model
    from practice.supervisor import Stack, StackConfig, StackError, serve

    settings = Settings()
    config = StackConfig(
        model=ensure_model(),
        host=args.host,
        api_port=args.api_port,
        rasa_port=args.rasa_port,
        action_port=args.action_port,
        state_dir=settings.var_dir,
        database_url=settings.database_url,
        authored_scenario_dir=settings.authored_scenario_dir,
        engines=args.engines,
        api_workers=args.workers,
        redis_url=settings.redis_url,
        engine_tracker_url=settings.engine_tracker_url,
    )
    try:
        config.check_topology()
    except StackError as error:
        print(f"Could not start the practice service: {error}", file=sys.stderr)
        return 2
    banner = (
        "\nThe practice service is running.\n"
        "  First time?    .venv/bin/practice user create --role learner --username YOU\n"
        f"  In a browser:  {config.api_url}/   (sign in with that account)\n"
        "  In a terminal: .venv/bin/practice chat --username YOU --scenario gp_reception_appointment\n"
        f"  API:           {config.api_url}/api   (OpenAPI docs at {config.api_url}/docs)\n"
        f"  Scenarios:     .venv/bin/practice scenarios\n"
        f"  Logs:          {(config.state_dir / 'log').resolve()}\n"
        f"  Topology:      {topology(config)}\n"
        "A server that stops is started again; press Ctrl-C to stop them all."
    )
    print(f"Starting {topology(config)} (loading the model takes a minute)...")
    return serve(Stack(config), banner=banner)


def topology(config: StackConfig) -> str:
    """What `practice run` starts, in words: "1 Rasa server, 1 action server, 1 API process"."""
    engines = "Rasa server" if config.engines == 1 else "Rasa servers"
    actions = "action server" if config.engines == 1 else "action servers"
    workers = "API process" if config.api_workers == 1 else "API processes"
    return f"{config.engines} {engines}, {config.engines} {actions}, {config.api_workers} {workers}"
