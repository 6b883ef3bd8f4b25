"""Worksheets as data: Form 8606 lines, expected 1099-Rs, Form 1040 lines. Renderers only read them."""
