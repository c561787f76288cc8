"""Tests for the GraphQL layer: the GraphiQL playground."""
