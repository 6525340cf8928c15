"""Builders shared by the tests, the embargo tests and the demo."""
