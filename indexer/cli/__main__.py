"""`python -m indexer.cli`: the talkseek command."""

from indexer.cli import main

main()
