"""Reading outside files (JSON, CSV) into plain rows."""
