"""Worksheets as data: Form 8606 lines, expected 1099-Rs, Form 1040 lines, Form 5329. Renderers only read them."""
