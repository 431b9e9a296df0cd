"""What every layer shares: the text analyzer, records, links, statuses, files."""
