"""Tests of the generator (``codegen``): parsers, golden output, generated code, failures."""
