"""Views of worksheets and ledger rows: terminal tables, JSON, CSV, Excel, PDF. They compute no tax."""
