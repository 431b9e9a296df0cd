"""`python -m indexer` runs the talkseek command."""

from indexer.cli import main

main()
