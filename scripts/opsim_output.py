"""Files the scripts write follow opsim's rule (README.md, "Your files"): a file that already
exists is replaced only when asked (--force); otherwise the script stops with exit 2 naming it,
before it writes that file."""
import os
import sys

_force = False


def add_force_option(parser):
    """--force: replace files that already exist."""
    parser.add_argument("--force", action="store_true",
                        help="replace files that already exist (default: refuse them, exit 2)")


def use_arguments(args):
    """Takes --force from the parsed arguments."""
    global _force
    _force = bool(getattr(args, "force", False))


def refuse_existing(path):
    """Exit 2 naming `path` when it exists and --force was not given."""
    if not _force and os.path.lexists(path) and not os.path.isdir(path):
        print(f"{os.path.basename(sys.argv[0])}: {path}: the file exists; pass --force to "
              "replace it", file=sys.stderr)
        sys.exit(2)


def save_figure(fig, path, **options):
    """fig.savefig(path) unless that would replace a file unasked."""
    refuse_existing(path)
    fig.savefig(path, **options)
