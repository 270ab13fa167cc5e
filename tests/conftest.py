"""Project-wide test configuration: pytest's own ``pytester`` for testing the plugin."""
pytest_plugins = ["pytester"]
