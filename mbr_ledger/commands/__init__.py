"""One module per `mbr` subcommand. Modules keep heavy imports (polars, openpyxl, reportlab) inside
the command functions so `mbr --help` stays fast."""
