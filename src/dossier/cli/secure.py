"""`dossier encrypt | decrypt | passphrase change | backup | unlock | lock`."""

import os
import shlex
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import typer

from dossier.cli.common import (
    confirm,
    db_named,
    db_path,
    given_passphrase,
    keys,
    new_passphrase,
    refuse_own_file,
    say,
    warn,
)
from dossier.errors import DossierError

KDF_MEMORY = typer.Option(
    64,
    "--kdf-memory",
    min=1,
    max=2048,
    help="MiB of memory the key derivation uses (memory times passes at most 8192).",
)
KDF_PASSES = typer.Option(3, "--kdf-passes", min=1, max=16, help="Passes over that memory.")
NEW_FILE = typer.Option(
    None, "--new-passphrase-file", help="Read the new passphrase from this file."
)
NEW_FD = typer.Option(
    None, "--new-passphrase-fd", help="Read the new passphrase from this file descriptor."
)
SESSION = "DOSSIER_SESSION"
SCRIPT_SOURCES = "--passphrase-file, --passphrase-fd or DOSSIER_PASSPHRASE_FILE"

if TYPE_CHECKING:
    from dossier.crypto import KdfParams


def _kdf(memory: int, passes: int) -> "KdfParams":
    from dossier.crypto import KdfParams

    return KdfParams(memory_kib=memory * 1024, iterations=passes).check()


def encrypt(
    ctx: typer.Context,
    kdf_memory: int = KDF_MEMORY,
    kdf_passes: int = KDF_PASSES,
) -> None:
    """Encrypt the dossier in place; a missing one is created empty and encrypted.

    The passphrase is asked twice on a terminal; scripts give it as for any command
    (--passphrase-file, --passphrase-fd, DOSSIER_PASSPHRASE_FILE).

    Example: dossier encrypt
    """
    from dossier import vault

    path = vault.real(db_path(ctx))
    vault.refuse_encrypted(path)  # before a passphrase is asked for nothing
    kdf = _kdf(kdf_memory, kdf_passes)  # and parameters it could not be used with
    passphrase = given_passphrase(ctx) or new_passphrase(path, options=SCRIPT_SOURCES)
    created = vault.encrypt(path, passphrase, kdf, create_folders=not db_named(ctx))
    say(f"Created an empty encrypted dossier at {path}." if created else f"Encrypted {path}.")
    _weak(kdf_memory, kdf_passes)
    leftovers = [
        p for p in sorted(path.parent.glob(f"{path.name}.bak-*")) if not vault.is_encrypted(p)
    ]
    if leftovers:
        warn([f"{len(leftovers)} earlier backup(s) beside it are not encrypted, such as"
              f" {leftovers[0].name}: delete them or keep them somewhere safe"])  # fmt: skip


def _weak(memory: int, passes: int) -> None:
    """A warning when the key derivation is cheaper than the default."""
    if memory < KDF_MEMORY.default or passes < KDF_PASSES.default:
        warn([f"a key derivation of {memory} MiB and {passes} pass(es) is cheaper than the"
              " default (64 MiB, 3 passes) for whoever guesses passphrases too"])  # fmt: skip


def decrypt(
    ctx: typer.Context,
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Write a plaintext copy here (a new file)."
    ),
    in_place: bool = typer.Option(False, "--in-place", help="Decrypt the dossier itself."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Write a plaintext copy of an encrypted dossier, or decrypt it in place.

    Example: dossier decrypt -o plain.json
    """
    from dossier import vault

    if (output is None) == (not in_place):
        raise typer.BadParameter("give either -o FILE or --in-place", param_hint="-o")
    path = vault.real(db_path(ctx))
    where = output if output is not None else path
    if output is not None:
        refuse_own_file(ctx, output)
    vault.require_encrypted(path)  # before asking whether to go ahead
    confirm(f"Write {where} without encryption?", yes)
    vault.decrypt(path, keys(ctx), output, in_place)
    warn([f"{where} is not encrypted"])


def change(
    ctx: typer.Context,
    new_file: Path | None = NEW_FILE,
    new_fd: int | None = NEW_FD,
    kdf_memory: int = KDF_MEMORY,
    kdf_passes: int = KDF_PASSES,
) -> None:
    """Change the passphrase: a new data key and salt; the old passphrase stops working.

    The current passphrase is needed (an unlocked shell is not enough); the new one
    is asked twice on a terminal, or read from --new-passphrase-file or -fd.

    Example: dossier passphrase change
    """
    from dossier import vault

    path = vault.real(db_path(ctx))
    vault.require_encrypted(path)  # before any passphrase is asked for
    kdf = _kdf(kdf_memory, kdf_passes)  # and parameters it could not be used with
    current = keys(ctx, session=False)
    from dossier import crypto

    crypto.prepare(path, current)  # the current one checked first, then the new one asked
    new = new_passphrase(path, new_file, new_fd)
    vault.change_passphrase(path, current, new, kdf)
    say(f"Changed the passphrase of {path}; unlocked shells must unlock again.")
    _weak(kdf_memory, kdf_passes)


def backup(
    ctx: typer.Context,
    output: Path = typer.Option(..., "-o", "--output", help="The backup file (a new file)."),
) -> None:
    """Copy the dossier, as it is on disk, to a new file (checked, under the lock).

    The copy of an encrypted dossier is encrypted with the same passphrase.

    Example: dossier backup -o yukos-2026-12-05.dossier
    """
    from dossier import vault

    path = vault.real(db_path(ctx))
    refuse_own_file(ctx, output)
    encrypted = vault.backup(path, output, keys(ctx))
    say(f"Wrote {output} ({'encrypted' if encrypted else 'not encrypted'}).")
    if not encrypted:
        warn([f"{output} is not encrypted, like {path}; 'dossier encrypt' encrypts it"])


def unlock(ctx: typer.Context) -> None:
    """Unlock an encrypted dossier for this shell: eval "$(dossier unlock)".

    Prints a line that sets DOSSIER_SESSION, a secret that opens this dossier and
    nothing else, until 'dossier lock' or the end of the session.

    Example: dossier unlock
    """
    from dossier import vault

    path = vault.real(db_path(ctx))
    if sys.stdout.isatty():  # the secret would stay on the screen and in its scrollback
        raise DossierError(
            "unlock prints a secret for the shell to keep, not for the screen: run"
            ' eval "$(dossier unlock)" (with the same --db)'
        )
    if _written_to_a_file(sys.stdout):
        # Saved beside the session file (on the same disk, without $XDG_RUNTIME_DIR), the
        # secret opens the dossier from a copy of that disk: what the unlock must not allow.
        raise DossierError(
            "unlock prints a secret for the shell to keep, not for a file, where it would open"
            ' the dossier to anyone who copies the disk: run eval "$(dossier unlock)" (with the'
            " same --db)"
        )
    secret = vault.unlock(path, keys(ctx, session=False))
    say(f"export {SESSION}={shlex.quote(secret)}")


def _written_to_a_file(stream: TextIO) -> bool:
    """Whether `stream` is a regular file (output redirected with > or >>), not a pipe."""
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError):  # no descriptor (a test's capture), or a closed one
        return False


def lock() -> None:
    """End this shell's unlock: eval "$(dossier lock)".

    Example: dossier lock
    """
    from dossier import unlock as session

    secret = os.environ.get(SESSION, "")
    ended = session.end(secret) if secret else None
    say(f"unset {SESSION}")
    typer.echo("Locked." if ended else "This shell held no unlock.", err=True)


passphrase_app = typer.Typer(help="The passphrase of an encrypted dossier.", no_args_is_help=True)
passphrase_app.command("change")(change)


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    for command in (encrypt, decrypt, backup, unlock, lock):
        app.command(command.__name__)(command)
    app.add_typer(passphrase_app, name="passphrase")
