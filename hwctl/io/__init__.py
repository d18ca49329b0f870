"""Reading outside files (JSON, CSV) into plain rows, and writing output files (`files`)."""
