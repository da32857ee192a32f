"""Importers: text in the language from what people already have. Each writes .arch text and
nothing else; the result is read back by the parser like any file. Imports nothing above the
parser layer, and no config value is ever evaluated: values are checked to be whole numbers or
booleans before they are written."""
