"""The `provcloud` command."""

import sys

import typer
from rich.markup import escape

from provcloud.catalogue import CatalogueError
from provcloud.commands.axis import axis_app
from provcloud.commands.catalogue import catalogue_app
from provcloud.commands.configure import configure
from provcloud.commands.country import country_app
from provcloud.commands.demo import demo
from provcloud.commands.lab import lab_app
from provcloud.commands.new_province import new_province
from provcloud.commands.plan import plan
from provcloud.commands.register import register_app
from provcloud.commands.restore import restore
from provcloud.commands.validate import validate
from provcloud.commands.wheelhouse import wheelhouse_app
from provcloud.console import err
from provcloud.errors import UserError

app = typer.Typer(
    name="provcloud",
    help="Provision a province's shared data-centre platform and configure its common services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(validate)
app.command("new-province")(new_province)
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(register_app, name="register")
app.command()(demo)
app.command()(plan)
app.add_typer(country_app, name="country")
app.add_typer(wheelhouse_app, name="wheelhouse")
app.add_typer(lab_app, name="lab")
app.command()(configure)
app.command()(restore)
app.add_typer(axis_app, name="axis")


def main() -> None:
    try:
        app()
    except CatalogueError as error:
        print(error, file=sys.stderr)  # one problem per line: file:line:col: field: message
        sys.exit(1)
    except UserError as error:
        err.print("[red]error:[/]", escape(str(error)))  # the message may quote a file's content: never markup
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]")
        sys.exit(130)
