"""Tests of the event bus (meshery.bus)."""
