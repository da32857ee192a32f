"""Printers: results -> text, JSON, Markdown, LaTeX."""
