"""Pictures and reports of results: pure functions from results to files."""
