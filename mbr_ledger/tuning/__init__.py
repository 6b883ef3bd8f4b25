"""Speed settings, one module per concern, each choice with the reason for it.

Nothing here changes a row or a figure: `paths` switches the import between its fast path and
the plain definition it must equal, `sizes` holds block and segment sizes, `threads` the
read-ahead pipeline, `process` the allocator and garbage-collector settings, `queries` how a
batch's Polars queries run, and `startup` what keeps `mbr --help` light. The measurements behind
them are in docs/import-pipeline.md.

This package imports nothing from mbr_ledger but `core`, so any stage may import it.
"""
