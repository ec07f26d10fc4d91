"""Every command says what it does with an example, and every option says what it is for."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from toolkit.cli import cli


def _commands(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


def _command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


COMMANDS = list(_commands(cli, ()))


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(("toolkit", *p)) for p in COMMANDS])
def test_help_has_an_example_and_every_option_is_explained(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
    unexplained = [
        param.opts[0]
        for param in _command(path).params
        if isinstance(param, click.Option) and not param.help and param.name != "help"
    ]
    assert unexplained == []
