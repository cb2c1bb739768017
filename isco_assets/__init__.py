"""ISCO-08 data-asset platform: job posts in, ISCO-08 codes and novel-occupation candidates out."""
