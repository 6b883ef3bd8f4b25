"""Block and segment sizes of the import and the store."""

from __future__ import annotations

# Bytes of whole lines handed to Polars at a time: larger blocks were no faster and cost memory.
BLOCK_BYTES = 2 << 20

# Rows per frame where the csv module reads (the plain path, or after a block Polars cannot read).
BLOCK_ROWS = 100_000

# Bytes read at a time to count a file's lines for the progress bar.
COUNT_BYTES = 4 << 20

# Rows per segment into an empty table: about one block, so the writer's work is even per block.
SEGMENT_ROWS = 20_000

# Rows per segment into a table that holds rows: each segment is compared with all of them.
SEGMENT_ROWS_COMPARED = 40_000

# glibc's size from which a buffer gets its own mapping: twice a block, so a block's freed
# buffers serve the next one and the heap still shrinks.
MMAP_THRESHOLD = 2 * BLOCK_BYTES
